# The round-3 cases use the same Apache helpers as round 1.
. "$(dirname "${BASH_SOURCE[0]}")/../apachelib.sh"
