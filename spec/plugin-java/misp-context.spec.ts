// MISP context for hits on the stand-in harness (spec/filter-suites/misp-context.suite.ts).
import { describe } from 'vitest';
import { mispContextSuite } from '../filter-suites/misp-context.suite.js';
import { standIn } from './harness.js';

describe('MISP context through events/restSearch', () => mispContextSuite(standIn));
