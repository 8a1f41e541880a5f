// Answers that src/advisor/answers.ts encoded itself (through the route's body schema, once per cached answer): sent as
// they are, so the route's response serializer does not encode the same answer again on every request.
import type { FastifyReply } from 'fastify';

export function sendSerialized(reply: FastifyReply, json: string | Buffer): FastifyReply {
  // Text or bytes are sent unchanged when the type is set here (fastify Reply.send), not passed to the serializer.
  return reply.type('application/json; charset=utf-8').send(json);
}
