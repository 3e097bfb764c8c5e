// MISP context for hits on Logstash's own classes, four pipeline workers sharing one fetch
// (spec/filter-suites/misp-context.suite.ts).
import { mispContextSuite } from '../filter-suites/misp-context.suite.js';
import { describeOnLogstash, onLogstash } from './support/real-logstash.js';

describeOnLogstash('MISP context through events/restSearch, on Logstash\'s classes', () => mispContextSuite(onLogstash));
