# pigstyc: PostgreSQL environment for 10.10.10.10; do not edit
export PATH="/usr/pgsql/bin:/pg/bin:$PATH"
export PGHOME=/usr/pgsql
export PGDATA=/pg/data
export PGPORT=5432
export PGDATABASE=postgres
