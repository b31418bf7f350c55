import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "crypto";
import { childMessage, parseMessage, serializeMessage, sign } from "../../src/kernel/wire";

const key = "secret-key";

function request(): Buffer[] {
  const parts = [
    { msg_id: "m1", msg_type: "execute_request", session: "s1", username: "u", date: "2026-01-01T00:00:00Z", version: "5.3" },
    {},
    {},
    { code: "1 + 1" },
  ].map((p) => Buffer.from(JSON.stringify(p)));
  const hmac = createHmac("sha256", key);
  parts.forEach((p) => hmac.update(p));
  return [Buffer.from("client-id"), Buffer.from("<IDS|MSG>"), Buffer.from(hmac.digest("hex")), ...parts];
}

test("parseMessage reads identities, header and content of a signed message", () => {
  const msg = parseMessage(request(), key);
  assert.deepEqual(msg.identities.map(String), ["client-id"]);
  assert.equal(msg.header.msg_type, "execute_request");
  assert.deepEqual(msg.content, { code: "1 + 1" });
});

test("parseMessage rejects a wrong signature and a missing delimiter", () => {
  const frames = request();
  frames[2] = Buffer.from("0".repeat(64));
  assert.throws(() => parseMessage(frames, key), /invalid signature/);
  assert.throws(
    () =>
      parseMessage(
        request().filter((f) => String(f) !== "<IDS|MSG>"),
        key,
      ),
    /delimiter/,
  );
});

test("an empty key disables signing", () => {
  assert.equal(sign("", [Buffer.from("x")]), "");
  const frames = request();
  frames[2] = Buffer.from("");
  assert.equal(parseMessage(frames, "").header.msg_id, "m1");
});

test("a reply keeps the session and routing, names its parent and round-trips", () => {
  const parent = parseMessage(request(), key);
  const reply = childMessage(parent, "execute_reply", { status: "ok", execution_count: 1 });
  assert.equal(reply.header.session, "s1");
  assert.equal(reply.header.version, "5.3");
  assert.equal(reply.parent_header.msg_id, "m1");
  assert.notEqual(reply.header.msg_id, "m1");
  const back = parseMessage(serializeMessage(reply, key), key);
  assert.deepEqual(back.content, reply.content);
  assert.deepEqual(back.identities.map(String), ["client-id"]);
  assert.throws(() => parseMessage(serializeMessage(reply, key), "other-key"), /invalid signature/);
});
