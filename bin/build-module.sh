# Sourced by the bin/ scripts. build_module <module> <what>: builds a module and what it needs with Maven, printing
# one line per module so a first build (about a minute, downloading dependencies) shows progress.
# Maven arguments (settings, local repository, offline...) come from LTP_MAVEN_ARGS, for example
#   LTP_MAVEN_ARGS="-s ~/.m2/work-settings.xml -Dmaven.repo.local=/cache/m2" bin/ltp-server
build_module() {
  local module=$1 what=$2
  echo "Building $what (mvn package; the first build downloads dependencies)..." >&2
  # shellcheck disable=SC2086 # LTP_MAVEN_ARGS is a list of words
  mvn -B -ntp ${LTP_MAVEN_ARGS:-} -pl "$module" -am package -DskipTests -Dstyle.color=never 2>&1 \
    | sed -u -e 's/\x1b\[[0-9;]*m//g' \
    | { grep --line-buffered -E '^\[INFO\] Building .+\[[0-9]+/[0-9]+\]$|^\[ERROR\]|BUILD FAILURE' || true; } \
    | sed -u -e 's/^\[INFO\] Building /  /' >&2
}

# stale <jar>: whether the jar is missing or older than any source or build file.
stale() {
  [ ! -f "$1" ] || [ -n "$(find . -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' \) -newer "$1" -print -quit)" ]
}
