// TLS to MISP and the proxy on the stand-in harness (spec/filter-suites/misp-tls.suite.ts).
import { describe } from 'vitest';
import { mispTlsSuite } from '../filter-suites/misp-tls.suite.js';
import { standIn } from './harness.js';

describe('TLS and proxy towards MISP', () => mispTlsSuite(standIn));
