// Answers that src/advisor/answers.ts encoded itself (through the route's body schema, once per cached answer): sent as
// they are, so the route's response serializer does not encode the same answer again on every request.
import type { FastifyReply } from 'fastify';

export function sendSerialized(reply: FastifyReply, json: Buffer): FastifyReply {
  // A Buffer is sent unchanged with the type set here (fastify Reply.send), its length known without a scan.
  return reply.type('application/json; charset=utf-8').send(json);
}
