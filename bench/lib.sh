# Shared by the bench scripts: build ipcscope and ipcbench into $out (a
# temporary directory removed at exit) and set unshare_args for a private
# IPC namespace (with a user namespace when not root).
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -o "$out/ipcscope" .
CGO_ENABLED=0 go build -o "$out/ipcbench" ./bench/ipcbench
unshare_args=(--ipc)
[ "$(id -u)" = 0 ] || unshare_args+=(--user --map-root-user)
