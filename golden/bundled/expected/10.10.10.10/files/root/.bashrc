# pigstyc: admin environment for 10.10.10.10; do not edit
# shellcheck source=/dev/null
[ -f ~/.pigsty ] && . ~/.pigsty
