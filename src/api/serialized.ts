// Answers that core.ts serialized itself (through the route's body schema, once per cached answer): sent as they
// are, so the route's response serializer does not encode the same answer again on every request.
import type { FastifyReply } from 'fastify';

export function sendSerialized(reply: FastifyReply, json: string): FastifyReply {
  // A string with a JSON content type is sent unchanged (fastify Reply.send): the type is what makes it so.
  return reply.type('application/json; charset=utf-8').send(json);
}
