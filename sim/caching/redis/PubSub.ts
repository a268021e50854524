/**
 * Redis' channel registry (pubsub.c, channels only, no patterns): which clients listen to which
 * channel, and the replies SUBSCRIBE and UNSUBSCRIBE send, one per channel, each with the client's
 * count of subscriptions after it.
 */
import { array, bulk, integer, NIL, type RedisReply } from './reply.ts';

export class PubSub {
  private readonly channels = new Map<string, Set<string>>();
  private readonly clientChannels = new Map<string, Set<string>>();

  /** Channels with at least one subscriber (INFO's `pubsub_channels`). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** A client with a subscription is in subscribed mode (`CLIENT_PUBSUB`). */
  isSubscribed(client: string): boolean {
    return this.clientChannels.has(client);
  }

  subscribersOf(channel: string): readonly string[] {
    return [...(this.channels.get(channel) ?? [])];
  }

  subscribe(client: string, channels: readonly string[]): RedisReply {
    const mine = this.clientChannels.get(client) ?? new Set<string>();
    this.clientChannels.set(client, mine);
    const items = channels.map((ch) => {
      mine.add(ch);
      this.channels.set(ch, (this.channels.get(ch) ?? new Set<string>()).add(client));
      return array([bulk('subscribe'), bulk(ch), integer(mine.size)]);
    });
    return { kind: 'replies', items };
  }

  /** UNSUBSCRIBE [channel ...]: none named means all of the client's. */
  unsubscribe(client: string, channels: readonly string[]): RedisReply {
    const names = channels.length > 0 ? channels : [...(this.clientChannels.get(client) ?? [])];
    if (names.length === 0) return array([bulk('unsubscribe'), NIL, integer(0)]);
    const items = names.map((ch) => {
      this.remove(client, ch);
      return array([bulk('unsubscribe'), bulk(ch), integer(this.clientChannels.get(client)?.size ?? 0)]);
    });
    return { kind: 'replies', items };
  }

  /** The client's connection closed (`freeClient`): all its subscriptions go. */
  disconnect(client: string): void {
    for (const channel of this.clientChannels.get(client) ?? []) this.remove(client, channel);
  }

  private remove(client: string, channel: string): void {
    const mine = this.clientChannels.get(client);
    mine?.delete(channel);
    if (mine?.size === 0) this.clientChannels.delete(client);
    const subscribers = this.channels.get(channel);
    subscribers?.delete(client);
    if (subscribers?.size === 0) this.channels.delete(channel);
  }
}
