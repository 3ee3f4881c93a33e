import assert from 'node:assert/strict';
import { resolveNetworkRef, type NetworkRefCandidate } from '../../../worker/api/routes/network-ref';

const local = (Id: string, Name: string): NetworkRefCandidate => ({ Id, Name, scope: 'local' });
const swarm = (Id: string, Name: string): NetworkRefCandidate => ({ Id, Name, scope: 'swarm' });

describe('api: a network reference over local and swarm networks', () => {
  const bridge = local('db5f00aa', 'bridge');
  const app = swarm('k3x9', 'app');
  const db = swarm('q7zz', 'db');

  it('takes a full ID, then a name, then a unique ID prefix, each over both scopes', () => {
    assert.equal(resolveNetworkRef('q7zz', [bridge, app, db]), db);
    // A local ID that starts with a swarm network's name does not shadow the name.
    assert.equal(resolveNetworkRef('db', [bridge, app, db]), db);
    assert.equal(resolveNetworkRef('k3', [bridge, app, db]), app);
    assert.equal(resolveNetworkRef('db5', [bridge, app, db]), bridge);
  });

  it('a removed name falls through to an ID prefix, as Docker, and is 404 when none matches', () => {
    assert.equal(resolveNetworkRef('db', [bridge, app]), bridge);
    assert.throws(() => resolveNetworkRef('db', [app]), { httpStatus: 404, message: 'network db not found' });
    assert.throws(() => resolveNetworkRef('', [app]), { httpStatus: 404 });
  });

  it('a network known in both scopes counts once; two different matches are ambiguous (400)', () => {
    assert.equal(resolveNetworkRef('app', [local('k3x9', 'app'), app]).scope, 'local');
    assert.throws(() => resolveNetworkRef('app', [local('aa', 'app'), app]), {
      httpStatus: 400,
      message: 'network app is ambiguous (2 matches found based on name)',
    });
    assert.throws(() => resolveNetworkRef('k', [app, swarm('k4', 'x')]), {
      httpStatus: 400,
      message: 'network k is ambiguous (2 matches found based on ID prefix)',
    });
  });
});
