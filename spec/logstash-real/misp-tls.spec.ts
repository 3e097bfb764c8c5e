// TLS to MISP and the proxy on Logstash's own classes, under both pipeline.plugin_classloaders
// settings (spec/filter-suites/misp-tls.suite.ts).
import { mispTlsSuite } from '../filter-suites/misp-tls.suite.js';
import { describeOnLogstashLoaders } from './support/real-logstash.js';

describeOnLogstashLoaders('TLS and proxy towards MISP, on Logstash\'s classes', mispTlsSuite);
