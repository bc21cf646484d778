/* A tracker SDK's worker: reports the diner over its own websocket, in a binary (protobuf-like) frame. */
onmessage = function (e) {
  var d = e.data || {};
  var enc = new TextEncoder();
  function field(tag, bytes) { var out = [tag, bytes.length]; for (var i = 0; i < bytes.length; i++) out.push(bytes[i]); return out; }
  var msg = [0x08, 0x96, 0x01].concat(field(0x12, enc.encode(d.phone || '')), field(0x1a, enc.encode(d.shop || '')), [0x20, 0x01]);
  var s = new WebSocket(d.url);
  s.binaryType = 'arraybuffer';
  s.onopen = function () { s.send('hb'); s.send(new Uint8Array(msg)); };
  s.onmessage = function () { /* ack */ };
};
