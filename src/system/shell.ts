// Shell quoting, the one place it is done: OpenRC's conf.d files, /etc/environment and logged
// command lines are read back by a POSIX shell, so every value goes through quoteWord.

/** Quotes one word for a POSIX shell: bare when it is only safe characters, else single-quoted. */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one line a shell would split back into the same words. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteWord).join(" ");
}
