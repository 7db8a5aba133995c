#!/bin/bash
# pigstyc: etcdctl environment for 10.10.10.10; do not edit
alias e="etcdctl"
alias em="etcdctl member"
export ETCDCTL_ENDPOINTS="https://10.10.10.10:2379,https://10.10.10.11:2379,https://10.10.10.12:2379"
export ETCDCTL_CACERT=/etc/etcd/ca.crt
export ETCDCTL_CERT=/etc/etcd/server.crt
export ETCDCTL_KEY=/etc/etcd/server.key

# root and the admin log in to etcd as its root user
case "$(id -un)" in
  root|dba)
    # shellcheck disable=SC2155
    [ -r /etc/etcd/etcd.pass ] && export ETCDCTL_USER="root:$(cat /etc/etcd/etcd.pass)"
    ;;
esac
