// Sightings on Logstash's own classes, under both pipeline.plugin_classloaders settings
// (spec/filter-suites/sightings.suite.ts); the report on its own thread while the pipeline waits
// needs the stand-in's pause hook and is spec/plugin-java/sightings.spec.ts.
import { sightingsSuite } from '../filter-suites/sightings.suite.js';
import { describeOnLogstashLoaders } from './support/real-logstash.js';

describeOnLogstashLoaders('sightings => true, on Logstash\'s classes', sightingsSuite);
