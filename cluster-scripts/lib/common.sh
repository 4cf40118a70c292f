# shellcheck shell=bash
# shellcheck disable=SC2034 # the FL_ variables set here are read by the commands that source this
# Shared by the cluster-scripts commands; sourced, never run on its own.
#
# Layout of the cluster directory (FLOTILLA_CLUSTER_DIR, default cluster-scripts/.cluster):
#   cluster.conf        host, ports and initial voters, fixed when the cluster is created
#   node<ID>/cmdline    the node's exact command line, one argument per line (start/restart reuse it)
#   node<ID>/pid        pid of the running JVM
#   node<ID>/node.log   the node's stdout and stderr (appended to on every start)
#   node<ID>/data/      the node's --data-dir
#   tools/              sqlline and jline jars for cluster-scripts/sql (kept by --fresh)

FL_PROG=$(basename -- "$0")
FL_SCRIPTS_DIR=$(cd -P -- "$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || printf '%s' "$0")")" && pwd)
FL_REPO=$(cd -P -- "$FL_SCRIPTS_DIR/.." && pwd)

FL_CLUSTER_DIR=${FLOTILLA_CLUSTER_DIR:-$FL_SCRIPTS_DIR/.cluster}
case $FL_CLUSTER_DIR in
  /*) ;;
  *) FL_CLUSTER_DIR=$PWD/$FL_CLUSTER_DIR ;;
esac
FL_CONF=$FL_CLUSTER_DIR/cluster.conf
FL_TOOLS_DIR=$FL_CLUSTER_DIR/tools

FL_NODE_JAR=$FL_REPO/sql/server/target/flotilla-node.jar
FL_JAVA=${FLOTILLA_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
FL_RANGE=2 # the range that holds the tables

fl_die() { printf '%s: %s\n' "$FL_PROG" "$*" >&2; exit 1; }
fl_warn() { printf '%s: %s\n' "$FL_PROG" "$*" >&2; }
fl_say() { printf '%s\n' "$*"; }

fl_is_uint() { case ${1-} in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# The way to type another command of this folder: relative when run from the repository root.
fl_cmd() {
  if [ "$PWD" = "$FL_REPO" ]; then
    printf 'cluster-scripts/%s' "$1"
  else
    printf '%s/%s' "$FL_SCRIPTS_DIR" "$1"
  fi
}

fl_project_version() {
  sed -n 's:.*<version>\([^<]*\)</version>.*:\1:p' "$FL_REPO/pom.xml" | head -n 1
}

FL_JDBC_JAR=$FL_REPO/sql/jdbc/target/flotilla-jdbc-$(fl_project_version).jar

fl_now() { date +%s; }

# ---------------------------------------------------------------------------------------------
# Cluster configuration

# Loads cluster.conf if the cluster exists, else the settings from the environment.
fl_load_conf() {
  FL_HOST=127.0.0.1
  FL_RAFT_BASE=${FLOTILLA_BASE_PORT:-7101}
  fl_is_uint "$FL_RAFT_BASE" || fl_die "FLOTILLA_BASE_PORT must be a port number, not '$FL_RAFT_BASE'"
  FL_SQL_BASE=${FLOTILLA_SQL_BASE_PORT:-$((FL_RAFT_BASE - 2000))}
  fl_is_uint "$FL_SQL_BASE" || fl_die "FLOTILLA_SQL_BASE_PORT must be a port number, not '$FL_SQL_BASE'"
  FL_VOTERS=${FLOTILLA_NODES:-3}
  if ! fl_is_uint "$FL_VOTERS" || [ "$FL_VOTERS" -lt 1 ]; then
    fl_die "FLOTILLA_NODES must be a positive number, not '$FL_VOTERS'"
  fi
  FL_CONF_LOADED=0
  if [ -f "$FL_CONF" ]; then
    # shellcheck source=/dev/null
    . "$FL_CONF"
    FL_CONF_LOADED=1
  fi
}

fl_require_cluster() {
  fl_load_conf
  [ "$FL_CONF_LOADED" = 1 ] || fl_die "no cluster in $FL_CLUSTER_DIR; create one with $(fl_cmd start)"
}

fl_raft_addr() { printf '%s:%s' "$FL_HOST" $((FL_RAFT_BASE + $1 - 1)); }
fl_sql_addr() { printf '%s:%s' "$FL_HOST" $((FL_SQL_BASE + $1 - 1)); }

fl_peers() { # the initial voters, as --peers wants them
  local i out=''
  for ((i = 1; i <= FL_VOTERS; i++)); do
    out+="${out:+,}$i=$(fl_raft_addr "$i")/$(fl_sql_addr "$i")"
  done
  printf '%s' "$out"
}

fl_write_conf() {
  mkdir -p "$FL_CLUSTER_DIR"
  {
    printf '# Written by cluster-scripts/start when the cluster was created; start --fresh rewrites it.\n'
    printf 'FL_HOST=%q\n' "$FL_HOST"
    printf 'FL_RAFT_BASE=%q\n' "$FL_RAFT_BASE"
    printf 'FL_SQL_BASE=%q\n' "$FL_SQL_BASE"
    printf 'FL_VOTERS=%q\n' "$FL_VOTERS"
  } >"$FL_CONF"
}

# ---------------------------------------------------------------------------------------------
# Nodes

fl_node_dir() { printf '%s/node%s' "$FL_CLUSTER_DIR" "$1"; }
fl_node_log() { printf '%s/node.log' "$(fl_node_dir "$1")"; }

fl_node_ids() { # every node that has a command line, in order
  local d id
  for d in "$FL_CLUSTER_DIR"/node*; do
    [ -f "$d/cmdline" ] || continue
    id=${d##*/node}
    fl_is_uint "$id" && printf '%s\n' "$id"
  done | sort -n
}

fl_require_node() { # id
  fl_is_uint "${1-}" || fl_die "not a node id: '${1-}'"
  [ -f "$(fl_node_dir "$1")/cmdline" ] || fl_die "there is no node $1 in $FL_CLUSTER_DIR (nodes: $(fl_node_ids | paste -sd ' ' -))"
}

# Writes the command line of a node. Extra arguments (e.g. --join) go at the end.
fl_write_cmdline() { # id [extra node args...]
  local id=$1 dir
  shift
  dir=$(fl_node_dir "$id")
  mkdir -p "$dir/data"
  local -a cmd=("$FL_JAVA" "-Xmx${FLOTILLA_NODE_HEAP:-512m}" -XX:+ExitOnOutOfMemoryError)
  local -a extra_java extra_node
  read -r -a extra_java <<<"${FLOTILLA_JAVA_OPTS:-}"
  read -r -a extra_node <<<"${FLOTILLA_NODE_ARGS:-}"
  cmd+=("${extra_java[@]}" -jar "$FL_NODE_JAR"
    --node-id "$id" --raft "$(fl_raft_addr "$id")" --sql "$(fl_sql_addr "$id")"
    --data-dir "$dir/data" --peers "$(fl_peers)" "${extra_node[@]}" "$@")
  printf '%s\n' "${cmd[@]}" >"$dir/cmdline"
}

fl_read_cmdline() { # id -> FL_CMD array
  FL_CMD=()
  mapfile -t FL_CMD <"$(fl_node_dir "$1")/cmdline"
}

fl_node_pid() { # id: prints the recorded pid, if any
  local f
  f=$(fl_node_dir "$1")/pid
  [ -f "$f" ] && cat -- "$f"
  return 0
}

fl_proc_args() { # pid: the process's command line, or nothing
  if [ -r "/proc/$1/cmdline" ]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -ww -o args= -p "$1" 2>/dev/null || true
  fi
}

# True if the node's recorded pid is alive and is that node (not a recycled pid).
fl_node_alive() { # id
  local pid args
  pid=$(fl_node_pid "$1")
  fl_is_uint "$pid" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  args=$(fl_proc_args "$pid")
  case $args in
    *"$(fl_node_dir "$1")/data"*) return 0 ;;
    *) return 1 ;;
  esac
}

fl_live_ids() {
  local id
  for id in $(fl_node_ids); do
    if fl_node_alive "$id"; then printf '%s\n' "$id"; fi
  done
}

fl_port_busy() { # host port: true if something accepts connections there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

fl_check_ports() { # id: dies if the node's raft or sql port is taken
  local addr
  for addr in "$(fl_raft_addr "$1")" "$(fl_sql_addr "$1")"; do
    if fl_port_busy "${addr%:*}" "${addr##*:}"; then
      fl_die "node $1: port ${addr##*:} is already in use (another cluster? see FLOTILLA_BASE_PORT)"
    fi
  done
}

# Starts a node from its recorded command line. Sets FL_LOG_OFFSET for fl_wait_ready.
fl_launch() { # id
  local id=$1 dir log
  dir=$(fl_node_dir "$id")
  log=$dir/node.log
  fl_read_cmdline "$id"
  [ -f "$FL_NODE_JAR" ] || fl_die "missing $FL_NODE_JAR; build it with: mvn -B -ntp -DskipTests install (in $FL_REPO)"
  fl_check_ports "$id"
  touch "$log"
  FL_LOG_OFFSET=$(($(wc -c <"$log")))
  printf '\n===== %s: starting node %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$id" >>"$log"
  FL_LOG_OFFSET=$(($(wc -c <"$log")))
  printf '%s\n' "$FL_LOG_OFFSET" >"$dir/log.offset"
  (cd "$dir" && exec nohup "${FL_CMD[@]}" >>"$log" 2>&1 </dev/null) &
  printf '%s\n' "$!" >"$dir/pid"
}

# Waits until the node prints its ready line in the part of the log written since it started.
fl_wait_ready() { # id deadline(epoch seconds)
  local id=$1 deadline=$2 log offset
  log=$(fl_node_log "$id")
  offset=$(cat "$(fl_node_dir "$id")/log.offset" 2>/dev/null || echo 0)
  while :; do
    if tail -c +"$((offset + 1))" "$log" | grep -q "flotilla node $id ready"; then
      return 0
    fi
    if ! fl_node_alive "$id"; then
      fl_warn "node $id exited before it was ready; the end of $log:"
      tail -c +"$((offset + 1))" "$log" | tail -n 25 >&2
      return 1
    fi
    if [ "$(fl_now)" -ge "$deadline" ]; then
      fl_warn "node $id not ready in time (no 'flotilla node $id ready' line); the end of $log:"
      tail -c +"$((offset + 1))" "$log" | tail -n 15 >&2
      return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# Admin

fl_admin() { # sql-address admin-args...
  local addr=$1
  shift
  [ -f "$FL_NODE_JAR" ] || fl_die "missing $FL_NODE_JAR"
  local -a wrap=()
  if command -v timeout >/dev/null 2>&1; then wrap=(timeout "${FLOTILLA_ADMIN_TIMEOUT:-30}"); fi
  "${wrap[@]}" "$FL_JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -jar "$FL_NODE_JAR" admin --sql "$addr" "$@"
}

# Runs an admin command against the live nodes in order until one answers. Sets FL_ADMIN_OUT
# (its output, or the last error), FL_ADMIN_NODE (who answered) and returns the exit status.
# Call it directly (not in $(...)) so that the variables survive.
fl_admin_any() { # admin-args...
  local id rc=1
  FL_ADMIN_NODE=''
  FL_ADMIN_OUT='no node is running'
  for id in $(fl_live_ids); do
    if FL_ADMIN_OUT=$(fl_admin "$(fl_sql_addr "$id")" "$@" 2>&1); then
      FL_ADMIN_NODE=$id
      return 0
    else
      rc=$?
    fi
  done
  return "$rc"
}

# Turns `admin status` output into tab-separated rows: range node role commit applied leader.
# Copes with whitespace- or |-separated tables, any column order, and upper- or lower-case names.
fl_parse_status() {
  awk '
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    function cells(line, a,   n, i) {
      if (index(line, "|") > 0) {
        n = split(line, a, "|")
        for (i = 1; i <= n; i++) a[i] = trim(a[i])
        return n
      }
      return split(line, a)
    }
    function num(s) { gsub(/[^0-9]/, "", s); return s }
    !hdr {
      n = cells($0, f)
      r = nd = ro = cm = ap = ld = 0
      for (i = 1; i <= n; i++) {
        k = tolower(f[i])
        if (!r && k ~ /^range/) r = i
        else if (!nd && k ~ /^node/) nd = i
        else if (!ro && k ~ /^(role|state)/) ro = i
        else if (!cm && k ~ /^commit/) cm = i
        else if (!ap && k ~ /^applied/) ap = i
        else if (!ld && k ~ /^leader/) ld = i
      }
      if (r && nd && ro) hdr = 1
      next
    }
    {
      n = cells($0, f)
      if (f[r] !~ /[0-9]/) next
      rg = num(f[r])
      printf "%s\t%s\t%s\t%s\t%s\t%s\n", rg, num(f[nd]), tolower(f[ro]), \
        (cm ? num(f[cm]) : ""), (ap ? num(f[ap]) : ""), (ld ? num(f[ld]) : "")
    }
  '
}

# The leader of a range according to parsed status rows on stdin; prints nothing if none.
fl_leader_of() { # range
  awk -F '\t' -v R="$1" '
    $1 == R && $3 ~ /leader/ && $3 !~ /not|non/ { print $2; found = 1; exit }
    $1 == R && $6 != "" && $6 != "0" && !hint { hint = $6 }
    END { if (!found && hint != "") print hint }
  '
}

# Waits until `admin status` shows a leader for the range. Sets FL_LEADER and FL_LAST_STATUS
# (the last status table or error). Returns 1 on timeout, and 2 if `admin status` answers with
# output this script cannot read as a table (so that callers do not wait for nothing).
# Call it directly, not in $(...).
fl_wait_leader() { # range deadline
  local range=$1 deadline=$2 rows unreadable=0
  FL_LEADER=''
  FL_LAST_STATUS=''
  while :; do
    if fl_admin_any status; then
      FL_LAST_STATUS=$FL_ADMIN_OUT
      rows=$(printf '%s\n' "$FL_ADMIN_OUT" | fl_parse_status)
      FL_LEADER=$(printf '%s\n' "$rows" | fl_leader_of "$range")
      [ -z "$FL_LEADER" ] || return 0
      if [ -z "$rows" ]; then
        unreadable=$((unreadable + 1))
        [ "$unreadable" -lt 3 ] || return 2
      fi
    else
      FL_LAST_STATUS=$FL_ADMIN_OUT
    fi
    [ "$(fl_now)" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Build

# Prints the first source file newer than the given file, if any.
fl_newer_source() { # file
  find "$FL_REPO/pom.xml" "$FL_REPO/raft" "$FL_REPO/statemachine" "$FL_REPO/sql" \
    -name target -prune -o -type f \( -path '*/src/*' -o -name pom.xml \) -newer "$1" -print 2>/dev/null |
    head -n 1
}

# Builds the node and the JDBC jars with Maven when they are missing or older than the sources.
# Never rebuilds under running nodes (Maven rewrites the jar they run from).
fl_ensure_built() {
  local stale='' jar
  if [ -n "${FLOTILLA_SKIP_BUILD:-}" ]; then return 0; fi
  for jar in "$FL_NODE_JAR" "$FL_JDBC_JAR"; do
    if [ ! -f "$jar" ]; then
      stale="$jar is missing"
      break
    fi
    local newer
    newer=$(fl_newer_source "$jar")
    if [ -n "$newer" ]; then
      stale="${newer#"$FL_REPO"/} is newer than ${jar#"$FL_REPO"/}"
      break
    fi
  done
  [ -n "$stale" ] || return 0
  if [ -n "$(fl_live_ids)" ]; then
    if [ -f "$FL_NODE_JAR" ] && [ -f "$FL_JDBC_JAR" ]; then
      fl_warn "not rebuilding while nodes are running ($stale); stop the cluster to pick up changes"
      return 0
    fi
    fl_die "cannot build while nodes are running ($stale)"
  fi
  command -v mvn >/dev/null 2>&1 || fl_die "mvn not found on PATH (needed to build: $stale)"
  fl_say "Building ($stale): mvn -B -ntp -q -DskipTests install"
  (cd "$FL_REPO" && mvn -B -ntp -q -DskipTests install) || fl_die "the build failed"
  for jar in "$FL_NODE_JAR" "$FL_JDBC_JAR"; do
    [ -f "$jar" ] || fl_die "the build did not produce $jar"
    # Maven may leave an up-to-date jar untouched; mark it current so the next run does not rebuild.
    if [ -n "$(fl_newer_source "$jar")" ]; then touch "$jar"; fi
  done
}

# ---------------------------------------------------------------------------------------------
# Pause and resume (cluster-scripts/pause, cluster-scripts/resume)

# The one-letter scheduler state of a process (R, S, D, T = stopped by a signal, ...), or nothing.
fl_proc_state() { # pid
  local stat
  if [ -r "/proc/$1/stat" ]; then
    # The second field, (comm), may hold spaces and parentheses: the state follows the last ')'.
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    printf '%s' "${stat%% *}"
  else
    ps -o stat= -p "$1" 2>/dev/null | cut -c1
  fi
}

# True if the node is alive and stopped by SIGSTOP (state T).
fl_node_paused() { # id
  fl_node_alive "$1" || return 1
  [ "$(fl_proc_state "$(fl_node_pid "$1")")" = T ]
}

# Waits up to 5 s for the node's stopped state to become the wanted one (0 = running, 1 = paused):
# the kernel changes it when the signal is delivered, not when kill returns.
fl_wait_paused_state() { # id want(0|1)
  local now
  for _ in $(seq 50); do
    if fl_node_paused "$1"; then now=1; else now=0; fi
    [ "$now" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
