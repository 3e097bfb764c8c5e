// A memcached no agent has loaded, on Logstash's own classes: the warning goes through Logstash's
// logger (spec/filter-suites/no-agent.suite.ts).
import { noAgentSuite } from '../filter-suites/no-agent.suite.js';
import { describeOnLogstash, onLogstash } from './support/real-logstash.js';

describeOnLogstash('misp_enrich on Logstash\'s classes against a memcached no agent has loaded', () => noAgentSuite(onLogstash));
