// misp-sim's ZeroMQ publisher (--zmq-port): a real zeromq subscriber receives what MISP's code
// publishes when the data folder changes: one frame "<topic> <json>" (mispzmq.py, MispZmq::
// _pub_message); misp_json_event add/edit/delete (Event::afterSave, ::beforeDelete);
// misp_json_attribute add/edit/soft-delete with fetchAttribute()'s shape, delete with the bare
// attribute (MispAttribute::afterSave, ::beforeDelete); misp_json with the whole event on publish
// (Event::publishEventToZmq); misp_json_self after a silence. The admin endpoint drops messages
// and stops and restarts the publisher.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subscriber } from 'zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/memcached.js';
import { startMispSim, type SimProcess } from './sim-process.js';
import { until } from '../../tools/until.js';

type Json = Record<string, any>;
interface Received {
  topic: string;
  body: Json;
}


const EVENT_UUID = 'e1000000-0000-4000-8000-000000000001';
const A1 = 'e2000000-0000-4000-8000-000000000001';
const A2 = 'e2000000-0000-4000-8000-000000000002';
const O1 = 'e2000000-0000-4000-8000-000000000003';

function event(attrs: Json[], extra: Json = {}): Json {
  return {
    Event: {
      id: '6201',
      uuid: EVENT_UUID,
      info: 'zmq publisher spec',
      published: true,
      publish_timestamp: 1_700_000_100,
      timestamp: 1_700_000_100,
      Orgc: { name: 'CIRCL', uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f' },
      Tag: [{ name: 'tlp:green' }],
      Attribute: attrs,
      Object: [{ name: 'domain-ip', uuid: 'e3000000-0000-4000-8000-000000000001', timestamp: 1_700_000_100, Attribute: [{ uuid: O1, type: 'ip-dst', value: '198.51.100.61', object_relation: 'ip', to_ids: true, timestamp: 1_700_000_100 }] }],
      ...extra,
    },
  };
}

const a1 = { uuid: A1, type: 'domain|ip', value: 'zmq.example|198.51.100.60', category: 'Network activity', to_ids: true, timestamp: 1_700_000_100, Tag: [{ name: 'kill-chain:Delivery' }] };
const a2 = { uuid: A2, type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', category: 'Payload delivery', to_ids: true, timestamp: 1_700_000_100 };

describe('misp-sim ZeroMQ publisher', () => {
  let sim: SimProcess;
  let sub: Subscriber;
  let port: number;
  const got: Received[] = [];
  const write = (name: string, body: Json) => {
    const tmp = join(sim.dataDir, `.${name}.tmp`);
    writeFileSync(tmp, JSON.stringify(body));
    renameSync(tmp, join(sim.dataDir, name));
  };
  const since = (n: number, topic?: string) => got.slice(n).filter((m) => !topic || m.topic === topic);
  const zmq = (body?: Json) => sim.admin('/_sim/zmq', body) as Promise<Json>;

  beforeAll(async () => {
    port = await freePort();
    sim = await startMispSim({ events: [], extraArgs: ['--zmq-port', String(port), '--zmq-heartbeat', '1'] });
    sub = new Subscriber();
    sub.connect(`tcp://127.0.0.1:${port}`);
    sub.subscribe('misp_json');
    void (async () => {
      for await (const [frame] of sub) {
        const text = frame!.toString('utf8');
        const space = text.indexOf(' ');
        got.push({ topic: text.slice(0, space), body: JSON.parse(text.slice(space + 1)) });
      }
    })().catch(() => undefined);
  });

  afterAll(async () => {
    sub?.close();
    await sim?.stop();
  });

  it('tells where it publishes, and publishes misp_json_self heartbeats as mispzmq.py does after a silence', async () => {
    expect(await zmq()).toMatchObject({ endpoint: `tcp://127.0.0.1:${port}`, running: true, heartbeat_s: 1 });
    const beat = await until('a heartbeat', () => got.find((m) => m.topic === 'misp_json_self'));
    expect(beat.body.status).toMatch(/still alive\.$/);
    expect(Number.isInteger(beat.body.uptime)).toBe(true);
  });

  it('publishes a new published event: the event, its attributes (objects included), then the whole event', async () => {
    const n = got.length;
    write('e.json', event([a1, a2]));
    await until('the publish message', () => since(n, 'misp_json').length === 1);
    const data = since(n).filter((m) => m.topic !== 'misp_json_self');
    expect(data.map((m) => `${m.topic}:${m.body.action ?? ''}`)).toEqual([
      'misp_json_event:add',
      'misp_json_attribute:add',
      'misp_json_attribute:add',
      'misp_json_attribute:add',
      'misp_json:',
    ]);
    const first = data.find((m) => m.topic === 'misp_json_attribute' && m.body.Attribute.uuid === A1)!.body;
    expect(first.Attribute).toMatchObject({ type: 'domain|ip', value: 'zmq.example|198.51.100.60', value1: 'zmq.example', value2: '198.51.100.60', to_ids: true, deleted: false, timestamp: '1700000100', event_id: '6201' });
    expect(first.Attribute.Tag.map((t: Json) => t.name)).toEqual(['kill-chain:Delivery']);
    expect(first.Attribute.Sighting).toEqual([]);
    expect(first.Event).toMatchObject({ id: '6201', uuid: EVENT_UUID, info: 'zmq publisher spec', published: true, Orgc: { name: 'CIRCL' } });
    expect(first).not.toHaveProperty('Object');
    const inObject = data.find((m) => m.topic === 'misp_json_attribute' && m.body.Attribute.uuid === O1)!.body;
    expect(inObject.Object).toMatchObject({ name: 'domain-ip' });
    const whole = data.find((m) => m.topic === 'misp_json')!.body;
    expect(whole.Event.uuid).toBe(EVENT_UUID);
    expect(whole.Event.Attribute.map((a: Json) => a.uuid).sort()).toEqual([A1, A2].sort());
    expect(whole.Event.Tag.map((t: Json) => t.name)).toEqual(['tlp:green']);
    expect(whole).not.toHaveProperty('action');
  });

  it('publishes an edit, a soft delete and a hard delete of attributes', async () => {
    let n = got.length;
    write('e.json', event([{ ...a1, value: 'zmq.example|198.51.100.70', timestamp: 1_700_000_200 }, a2]));
    await until('the edit', () => since(n, 'misp_json_attribute').length === 1);
    expect(since(n, 'misp_json_attribute')[0]!.body).toMatchObject({ action: 'edit', Attribute: { uuid: A1, value2: '198.51.100.70' } });
    // An attribute edit is no event edit and no publication.
    expect(since(n, 'misp_json_event')).toEqual([]);
    expect(since(n, 'misp_json')).toEqual([]);

    n = got.length;
    write('e.json', event([{ ...a1, value: 'zmq.example|198.51.100.70', timestamp: 1_700_000_300, deleted: true }, a2]));
    await until('the soft delete', () => since(n, 'misp_json_attribute').length === 1);
    expect(since(n, 'misp_json_attribute')[0]!.body).toMatchObject({ action: 'soft-delete', Attribute: { uuid: A1, deleted: true } });

    n = got.length;
    write('e.json', event([a2]));
    await until('the hard delete', () => since(n, 'misp_json_attribute').length === 1);
    const del = since(n, 'misp_json_attribute')[0]!.body;
    expect(del.action).toBe('delete');
    expect(del.Attribute.uuid).toBe(A1);
    // MispAttribute::beforeDelete publishes the row alone.
    expect(Object.keys(del).sort()).toEqual(['Attribute', 'action']);
  });

  it('publishes an event edit, and a new publication only when publish_timestamp moves', async () => {
    let n = got.length;
    write('e.json', event([a2], { info: 'zmq publisher spec, renamed' }));
    await until('the event edit', () => since(n, 'misp_json_event').length === 1);
    expect(since(n, 'misp_json_event')[0]!.body).toMatchObject({ action: 'edit', Event: { info: 'zmq publisher spec, renamed' } });
    expect(since(n, 'misp_json')).toEqual([]);
    n = got.length;
    write('e.json', event([a2], { info: 'zmq publisher spec, renamed', publish_timestamp: 1_700_000_900 }));
    await until('the publication', () => since(n, 'misp_json').length === 1);
  });

  it('drops the next messages on request, and counts them', async () => {
    const before = await zmq();
    await zmq({ drop: 1 });
    const n = got.length;
    write('e.json', event([{ ...a2, timestamp: 1_700_001_000 }], { info: 'zmq publisher spec, renamed', publish_timestamp: 1_700_000_900 }));
    await until('the drop', async () => (await zmq()).dropped === before.dropped + 1);
    expect((await zmq()).drop_next).toBe(0);
    // The heartbeat goes on; the dropped edit never arrives.
    await until('a heartbeat after the drop', () => since(n, 'misp_json_self').length > 0);
    expect(since(n, 'misp_json_attribute')).toEqual([]);
  });

  it('stops and starts again on the same endpoint (a publisher restart); what happens meanwhile is lost', async () => {
    const stopped = await zmq({ stop: true });
    expect(stopped.running).toBe(false);
    write('e.json', event([{ ...a2, timestamp: 1_700_002_000 }], { info: 'zmq publisher spec, renamed', publish_timestamp: 1_700_000_900 }));
    await until('the loss', async () => (await zmq()).dropped > stopped.dropped);
    const started = await zmq({ start: true });
    expect(started).toMatchObject({ running: true, endpoint: `tcp://127.0.0.1:${port}` });
    const n = got.length;
    // The subscriber reconnects by itself; heartbeats flow again.
    await until('a heartbeat after the restart', () => since(n, 'misp_json_self').length > 0);
  });

  it('publishes the removal of an event file as event and attribute deletes', async () => {
    const n = got.length;
    rmSync(join(sim.dataDir, 'e.json'));
    await until('the event delete', () => since(n, 'misp_json_event').length === 1);
    expect(since(n, 'misp_json_event')[0]!.body).toMatchObject({ action: 'delete', Event: { uuid: EVENT_UUID } });
    expect(since(n, 'misp_json_attribute').map((m) => [m.body.action, m.body.Attribute.uuid]).sort()).toEqual([['delete', A2], ['delete', O1]].sort());
  });

  it('splits a malware-sample value into value1 and value2 as the store does (MISP counts it composite)', async () => {
    const n = got.length;
    const sample = { uuid: 'e2000000-0000-4000-8000-000000000009', type: 'malware-sample', value: 'dropper.exe|44d88612fea8a8f36de82e1278abb02f',
      category: 'Payload delivery', to_ids: true, timestamp: 1_700_000_100 };
    write('m.json', { Event: { ...event([sample]).Event, id: '6202', uuid: 'e1000000-0000-4000-8000-000000000002', Object: [] } });
    await until('the sample attribute', () => since(n, 'misp_json_attribute').length === 1);
    expect(since(n, 'misp_json_attribute')[0]!.body.Attribute).toMatchObject({ value: sample.value, value1: 'dropper.exe', value2: '44d88612fea8a8f36de82e1278abb02f' });
    rmSync(join(sim.dataDir, 'm.json'));
  });

  it('without --zmq-port, has no publisher', async () => {
    const plain = await startMispSim({ events: [] });
    try {
      const res = await fetch(`${plain.url}/_sim/zmq`);
      expect(res.status).toBe(400);
    } finally {
      await plain.stop();
    }
  });
});
