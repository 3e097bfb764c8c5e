// A memcached no agent has loaded, on the stand-in harness (spec/filter-suites/no-agent.suite.ts).
import { describe } from 'vitest';
import { noAgentSuite } from '../filter-suites/no-agent.suite.js';
import { standIn } from './harness.js';

describe('misp_enrich against a memcached no agent has loaded', () => noAgentSuite(standIn));
