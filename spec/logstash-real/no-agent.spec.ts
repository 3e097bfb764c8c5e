// A memcached no agent has loaded, on Logstash's own classes under both
// pipeline.plugin_classloaders settings: the warning goes through Logstash's logger
// (spec/filter-suites/no-agent.suite.ts).
import { noAgentSuite } from '../filter-suites/no-agent.suite.js';
import { describeOnLogstashLoaders } from './support/real-logstash.js';

describeOnLogstashLoaders('misp_enrich on Logstash\'s classes against a memcached no agent has loaded', noAgentSuite);
