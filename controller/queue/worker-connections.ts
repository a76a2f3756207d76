/**
 * The Redis connections of the BullMQ workers, all of them owned here so a shutdown closes every one.
 *
 * Why this exists (issue 11): a BullMQ Worker given a connection makes its own copies with `duplicate()`
 * (its blocking BZPOPMIN connection, and more); on an ioredis Cluster each copy is a new Cluster object the
 * controller never saw. Worker.close() first disconnects its blocking copy to interrupt BZPOPMIN; on a
 * Cluster the interrupted BZPOPMIN then finds the copy without nodes, and BullMQ's cluster recovery
 * (RedisConnection.runWithClusterRecovery, BullMQ 6.7) *reconnects* it, because the close has not yet
 * told the copy it is closing. Depending on timing that reconnect either keeps the worker's close waiting
 * for an 'end' event that never comes (seen after a failover: the shutdown ran into its deadline, exit 1)
 * or completes after BullMQ's own quit, leaving one connection to the namespace's node open and the
 * process idle instead of exiting (seen after an e2e burst). On a single node neither happens: the
 * recovery is Cluster-only.
 *
 * So every copy is recorded, and after the workers closed (or their close ran out of time) every copy and
 * original is closed by us, bounded (quit, else disconnect after a second), whatever BullMQ did; a Cluster
 * BullMQ marked 'end' while it still holds node connections is disconnected too. A recovery reconnect
 * BullMQ started before that close may still finish after it (seen on the local cluster: one node
 * connection of a worker's copy left open, the test process idle instead of exiting), so once closing
 * began an owned connection may not connect again: `connect()` is refused, and a copy that still becomes
 * ready, or a Cluster that still adds a node connection, is disconnected at once.
 */
import { Cluster, type Redis } from 'ioredis';
import { closeRedis, redisConnectionOpen, type RedisClient } from '../redis.js';

export interface WorkerConnections {
  /** Makes `connection` one of ours: its duplicates are recorded too (and theirs). */
  own(connection: RedisClient): RedisClient;
  /** Closes every owned connection (quit, or disconnect after a second), each at most once. */
  closeAll(): Promise<void>;
  /** Owned connections not yet ended, by name, for a report of what is still open. */
  open(): string[];
}

export function createWorkerConnections(): WorkerConnections {
  const owned: RedisClient[] = [];
  let closing = false;
  /**
   * Every node connection an owned Cluster opened and that has not ended. ioredis can lose one from its
   * pool while it stays connected (seen here: after BullMQ's recovery reconnect, the old connection to a
   * node ended late and its 'end' removed the *new* connection to the same node from the pool), and then
   * the Cluster's quit and disconnect never reach it: closeAll ends these itself.
   */
  const nodes = new Set<Redis>();

  /** After closing began, whatever BullMQ's recovery reconnects is closed again instead of kept. */
  function refuseReconnectAfterClose(connection: RedisClient): void {
    const connect = connection.connect.bind(connection);
    connection.connect = (...args: Parameters<RedisClient['connect']>) =>
      closing ? Promise.reject(new Error('Connection is closed: the workers shut down')) : connect(...args);
    connection.on('ready', () => {
      if (closing) connection.disconnect();
    });
    if (connection instanceof Cluster) {
      connection.on('+node', (node: Redis) => {
        if (closing) {
          node.disconnect();
          return;
        }
        nodes.add(node);
        node.once('end', () => nodes.delete(node));
      });
    }
  }

  function own(connection: RedisClient): RedisClient {
    owned.push(connection);
    refuseReconnectAfterClose(connection);
    if (connection instanceof Cluster) {
      const duplicate = connection.duplicate.bind(connection);
      connection.duplicate = (...args: Parameters<Cluster['duplicate']>) => {
        const copy = duplicate(...args);
        own(copy);
        return copy;
      };
    } else {
      const duplicate = connection.duplicate.bind(connection);
      connection.duplicate = (...args: Parameters<typeof connection.duplicate>) => {
        const copy = duplicate(...args);
        own(copy);
        return copy;
      };
    }
    return connection;
  }

  return {
    own,
    async closeAll() {
      closing = true;
      await closeRedis(...owned);
      // BullMQ marks a copy it quit as 'end' itself, even when its recovery reconnected it meanwhile: a
      // Cluster that still has node connections is disconnected whatever its status says.
      for (const connection of owned) if (redisConnectionOpen(connection)) connection.disconnect();
      for (const node of nodes) if (node.status !== 'end') node.disconnect();
      nodes.clear();
    },
    open: () => owned.filter(redisConnectionOpen).map((c) => `${connectionName(c)} (${c.status})`),
  };
}

function connectionName(connection: RedisClient): string {
  const name = connection instanceof Cluster ? connection.options.redisOptions?.connectionName : connection.options.connectionName;
  return name ?? 'unnamed';
}
