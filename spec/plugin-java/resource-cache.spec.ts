// GraalJS's resource cache on a host whose home the Logstash user cannot write, on the stand-in
// harness (spec/filter-suites/resource-cache.suite.ts).
import { describe } from 'vitest';
import { resourceCacheSuite } from '../filter-suites/resource-cache.suite.js';
import { standIn } from './harness.js';

describe('GraalJS\'s resource cache with a home nobody can write', () => resourceCacheSuite(standIn));
