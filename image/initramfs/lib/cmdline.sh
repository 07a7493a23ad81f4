# Sourced by /init. The kernel command line split into words as the kernel (and the config's
# tokenizeCmdline, which test/tools/initramfs-init.test.ts holds it to) does: words end at white
# space outside "double quotes", and the quotes are removed. Nothing is globbed or expanded.
# usage: cmdline_words TEXT; prints each word on a line of its own
cmdline_words() {
  rest=$1
  word=""
  inword=""
  quoted=""
  while [ -n "$rest" ]; do
    c=${rest%"${rest#?}"}
    rest=${rest#?}
    case "$c" in
      '"')
        if [ -n "$quoted" ]; then quoted=""; else quoted=1; fi
        inword=1 ;;
      ' ' | '	' | '
')
        if [ -n "$quoted" ]; then word="$word$c"; continue; fi
        if [ -n "$inword" ]; then printf '%s\n' "$word"; fi
        word=""
        inword="" ;;
      *)
        word="$word$c"
        inword=1 ;;
    esac
  done
  if [ -n "$inword" ]; then printf '%s\n' "$word"; fi
}
