# k3os and k3s live in /usr/sbin (as on k3OS, whose Alpine base put sbin on every user's PATH):
# rancher runs `k3os` and `k3s` without sudo.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/local/sbin:/usr/sbin ;;
esac
export PATH
