// Drives @inquirer prompts through streams as a person at a terminal would: waits for each
// question's text on the output, then types the answer (keys: "\r" Enter, "\x1b[B" Down).
import { PassThrough } from "node:stream";

export const KEY = { enter: "\r", down: "\x1b[B" } as const;

export function promptDriver(script: [RegExp, string][]) {
  const input = new PassThrough();
  const output = new PassThrough();
  // Each prompt pipes its output into this stream and pipe() ends the destination when the prompt
  // is done, except for process.stdout, which is never ended: this stream behaves like stdout.
  output.end = (() => output) as typeof output.end;
  let seen = "";
  let next = 0;
  const transcript: string[] = [];
  output.on("data", (chunk: Buffer) => {
    seen += chunk.toString();
    transcript.push(chunk.toString());
    const step = script[next];
    if (step && step[0].test(seen)) {
      next++;
      seen = "";
      // typed one key at a time, after the prompt has attached its reader
      setTimeout(() => {
        for (const key of step[1].match(/\x1b\[[A-D]|[\s\S]/g) ?? []) input.write(key);
      }, 5);
    }
  });
  return {
    streams: { input, output },
    /** How many answers were typed. */
    answered: () => next,
    transcript: () => transcript.join("").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""),
  };
}
