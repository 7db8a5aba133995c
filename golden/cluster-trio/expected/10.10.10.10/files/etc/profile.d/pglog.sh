#!/bin/bash
# pigstyc: pglog shortcuts for 10.10.10.10; do not edit
# pipe a PostgreSQL CSV log into pglog.sample (pglog14 by default) in the meta service
alias pglog="psql   service=meta -AXtwc 'TRUNCATE pglog.sample CASCADE; COPY pglog.sample14 FROM STDIN CSV;'"
alias pglog12="psql service=meta -AXtwc 'TRUNCATE pglog.sample CASCADE; COPY pglog.sample12 FROM STDIN CSV;'"
alias pglog13="psql service=meta -AXtwc 'TRUNCATE pglog.sample CASCADE; COPY pglog.sample13 FROM STDIN CSV;'"
alias pglog14="psql service=meta -AXtwc 'TRUNCATE pglog.sample CASCADE; COPY pglog.sample14 FROM STDIN CSV;'"

# catlog [NODE]: print a node's PostgreSQL CSV logs (this node by default)
catlog() ( # getlog <ip|host> <date:YYYY-MM-DD>
    node=${1:-127.0.0.1}
    ssh -t "${node}" "sudo cat /pg/log/postgres/postgresql-*.csv"
)
