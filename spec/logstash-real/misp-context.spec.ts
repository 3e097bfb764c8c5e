// MISP context for hits on Logstash's own classes, four pipeline workers sharing one fetch
// (spec/filter-suites/misp-context.suite.ts), under both pipeline.plugin_classloaders settings.
import { mispContextSuite } from '../filter-suites/misp-context.suite.js';
import { describeOnLogstashLoaders } from './support/real-logstash.js';

describeOnLogstashLoaders('MISP context through events/restSearch, on Logstash\'s classes', mispContextSuite);
