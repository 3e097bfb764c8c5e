// Hostile peers (a MISP or memcached that misbehaves, events built to cost) on the stand-in
// harness (spec/filter-suites/hostile-peers.suite.ts).
import { describe } from 'vitest';
import { hostilePeersSuite } from '../filter-suites/hostile-peers.suite.js';
import { standIn } from './harness.js';

describe('hostile peers', () => hostilePeersSuite(standIn));
