// QEMU's guestfwd `cmd:` program, started once per guest connection with that connection on its
// stdin/stdout: relays it to a test's server on 127.0.0.1:PORT (QEMU's `tcp:` target would connect
// once, at QEMU's start, and carry only one connection).
import { connect } from "node:net";

const port = Number(process.argv[2]);
const sock = connect(port, "127.0.0.1");
process.stdin.pipe(sock);
sock.pipe(process.stdout);
sock.on("close", () => process.exit(0));
sock.on("error", () => process.exit(1));
