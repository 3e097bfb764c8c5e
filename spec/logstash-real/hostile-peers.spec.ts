// Hostile peers (a MISP or memcached that misbehaves, events built to cost) on Logstash's own
// classes, under both pipeline.plugin_classloaders settings: Logstash's Event keeps what it keeps
// of a lone surrogate, its metrics hold the counts (spec/filter-suites/hostile-peers.suite.ts).
import { hostilePeersSuite } from '../filter-suites/hostile-peers.suite.js';
import { describeOnLogstashLoaders } from './support/real-logstash.js';

describeOnLogstashLoaders('hostile peers, on Logstash\'s classes', hostilePeersSuite);
