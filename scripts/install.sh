#!/bin/sh
# Installs k3s (this project's single-binary Kubernetes) as a system service.
#
#   curl -sfL https://<host>/install.sh | sh -
#   curl -sfL https://<host>/install.sh | sh -s - server --tls-san k3s.example.com
#   curl -sfL https://<host>/install.sh | K3S_URL=https://server:6443 K3S_TOKEN=... sh -
#
# Environment (k3s's names and meanings; docs/install.md has the full list):
#   K3S_*                      copied into the service's env file (mode 0600); K3S_URL makes
#                              the default command "agent" and then needs K3S_TOKEN(_FILE)
#   INSTALL_K3S_SKIP_DOWNLOAD  true: use the k3s binary already in INSTALL_K3S_BIN_DIR
#   INSTALL_K3S_VERSION        release to install, e.g. v1.33.5+k3s1
#   INSTALL_K3S_CHANNEL(_URL)  release channel to resolve when no version is given
#   INSTALL_K3S_DOWNLOAD_URL   release host: <url>/download/<version>/{k3s,sha256sum-<arch>.txt}
#   INSTALL_K3S_BIN_DIR        where k3s, its symlinks and scripts go (/usr/local/bin)
#   INSTALL_K3S_BIN_DIR_READ_ONLY  true: write nothing into the bin dir
#   INSTALL_K3S_SYSTEMD_DIR    where the unit and its env file go (/etc/systemd/system)
#   INSTALL_K3S_EXEC           command and flags for the service (also taken from "$@")
#   INSTALL_K3S_NAME           service name suffix: k3s-<name>
#   INSTALL_K3S_TYPE           systemd Type= (notify)
#   INSTALL_K3S_SKIP_ENABLE    true: neither enable nor start the service
#   INSTALL_K3S_SKIP_START     true: enable but do not start
#   INSTALL_K3S_SYMLINK        skip | force | (default) link kubectl/crictl/ctr when absent
#   INSTALL_K3S_FORCE_RESTART  true: restart even when nothing changed
#   INSTALL_K3S_SKIP_RUNTIME_DEPS  true: do not install containerd/runc/CNI plugins
#   INSTALL_K3S_INIT_SYSTEM    systemd | openrc (default: detected)
#   INSTALL_K3S_ROOT           relocate every system path under this directory (tests, images)
set -e
set -o noglob

DEFAULT_DOWNLOAD_URL=https://github.com/k3s-cpp/k3s/releases

info() { echo "[INFO]  $*"; }
warn() { echo "[WARN]  $*" >&2; }
fatal() {
    echo "[ERROR] $*" >&2
    exit 1
}

is_true() { [ "$1" = true ]; }

# --- the service command line: INSTALL_K3S_EXEC words, then the script's arguments ---
parse_command() {
    case "$1" in
        -* | "")
            if [ -n "${K3S_URL}" ]; then CMD_K3S=agent; else CMD_K3S=server; fi
            ;;
        *)
            CMD_K3S=$1
            shift
            ;;
    esac
    case "${CMD_K3S}" in
        server | agent) ;;
        *) fatal "Unknown k3s command '${CMD_K3S}' (expected server or agent)" ;;
    esac
    if [ -n "${K3S_URL}" ]; then
        case "${K3S_URL}" in
            https://*) ;;
            *) fatal "K3S_URL must be an https:// URL (have ${K3S_URL})" ;;
        esac
        if [ -z "${K3S_TOKEN}" ] && [ -z "${K3S_TOKEN_FILE}" ]; then
            fatal "K3S_URL is set but neither K3S_TOKEN nor K3S_TOKEN_FILE is; the node cannot join without a token"
        fi
    fi
    CMD_ARGS_SYSTEMD=""
    CMD_ARGS_OPENRC=""
    for arg in "$@"; do
        CMD_ARGS_SYSTEMD="${CMD_ARGS_SYSTEMD} \\
    $(systemd_quote "${arg}")"
        CMD_ARGS_OPENRC="${CMD_ARGS_OPENRC} $(sh_quote "${arg}")"
    done
}

# systemd command lines: double quotes, with \ and " escaped, and % and $ doubled.
systemd_quote() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/%/%%/g' -e 's/\$/$$/g')"
}

# POSIX sh single quoting ('it'\''s').
sh_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed -e "s/'/'\\\\''/g")"
}

setup_env() {
    ROOT=${INSTALL_K3S_ROOT:-}
    ROOT=${ROOT%/}
    SUDO=sudo
    [ "$(id -u)" -eq 0 ] && SUDO=

    if [ -n "${INSTALL_K3S_NAME}" ]; then
        SYSTEM_NAME=k3s-${INSTALL_K3S_NAME}
    elif [ "${CMD_K3S}" = server ]; then
        SYSTEM_NAME=k3s
    else
        SYSTEM_NAME=k3s-${CMD_K3S}
    fi
    case "${SYSTEM_NAME}" in
        *[!A-Za-z0-9._-]*) fatal "Invalid service name '${SYSTEM_NAME}': use letters, digits, '.', '_' and '-'" ;;
    esac

    SYSTEMD_TYPE=${INSTALL_K3S_TYPE:-notify}
    case "${SYSTEMD_TYPE}" in
        notify | exec | simple) ;;
        *) fatal "Unsupported INSTALL_K3S_TYPE '${SYSTEMD_TYPE}' (notify, exec or simple)" ;;
    esac

    BIN_DIR=${INSTALL_K3S_BIN_DIR:-${ROOT}/usr/local/bin}
    SYSTEMD_DIR=${INSTALL_K3S_SYSTEMD_DIR:-${ROOT}/etc/systemd/system}
    ETC_DIR=${ROOT}/etc/rancher/k3s
    DATA_DIR=${K3S_DATA_DIR:-${ROOT}/var/lib/rancher/k3s}
    RUN_DIR=${ROOT}/run/k3s
    INITD_DIR=${ROOT}/etc/init.d

    case "${INSTALL_K3S_INIT_SYSTEM}" in
        systemd | openrc) INIT_SYSTEM=${INSTALL_K3S_INIT_SYSTEM} ;;
        "")
            if [ -x /sbin/openrc-run ]; then
                INIT_SYSTEM=openrc
            elif command -v systemctl >/dev/null 2>&1; then
                INIT_SYSTEM=systemd
            else
                fatal "Neither systemd nor openrc found to supervise k3s (set INSTALL_K3S_INIT_SYSTEM)"
            fi
            ;;
        *) fatal "Unsupported INSTALL_K3S_INIT_SYSTEM '${INSTALL_K3S_INIT_SYSTEM}' (systemd or openrc)" ;;
    esac
    SYSTEMCTL=${INSTALL_K3S_SYSTEMCTL:-systemctl}

    if [ "${INIT_SYSTEM}" = systemd ]; then
        FILE_SERVICE=${SYSTEMD_DIR}/${SYSTEM_NAME}.service
        FILE_ENV=${SYSTEMD_DIR}/${SYSTEM_NAME}.service.env
    else
        FILE_SERVICE=${INITD_DIR}/${SYSTEM_NAME}
        FILE_ENV=${ETC_DIR}/${SYSTEM_NAME}.env
    fi
    UNINSTALL_SH=${BIN_DIR}/${SYSTEM_NAME}-uninstall.sh
    KILLALL_SH=${BIN_DIR}/k3s-killall.sh

    if is_true "${INSTALL_K3S_BIN_DIR_READ_ONLY}"; then
        INSTALL_K3S_SKIP_DOWNLOAD=true
    fi
    DOWNLOAD_URL=${INSTALL_K3S_DOWNLOAD_URL:-${DEFAULT_DOWNLOAD_URL}}
    DOWNLOAD_URL=${DOWNLOAD_URL%/}
    PRE_INSTALL_HASHES=$(installed_hashes)
}

installed_hashes() {
    sha256sum "${BIN_DIR}/k3s" "${FILE_SERVICE}" "${FILE_ENV}" 2>&1 || true
}

# --- download and verification; nothing is installed until the hash matches ---
setup_arch() {
    ARCH=${ARCH:-$(uname -m)}
    case "${ARCH}" in
        amd64 | x86_64) ARCH=amd64 SUFFIX= ;;
        arm64 | aarch64) ARCH=arm64 SUFFIX=-arm64 ;;
        s390x) ARCH=s390x SUFFIX=-s390x ;;
        arm*) ARCH=arm SUFFIX=-armhf ;;
        *) fatal "Unsupported architecture ${ARCH}" ;;
    esac
}

setup_downloader() {
    if command -v curl >/dev/null 2>&1; then
        DOWNLOADER=curl
    elif command -v wget >/dev/null 2>&1; then
        DOWNLOADER=wget
    else
        fatal "Neither curl nor wget found to download k3s"
    fi
}

download() {
    case "${DOWNLOADER}" in
        curl) curl -sfL -o "$1" "$2" || fatal "Download of $2 failed" ;;
        wget) wget -qO "$1" "$2" || fatal "Download of $2 failed" ;;
    esac
}

# The final path segment of where a URL redirects to (GitHub's .../releases/latest -> .../tag/<v>).
resolve_redirect() {
    case "${DOWNLOADER}" in
        curl) curl -sSfL -o /dev/null -w '%{url_effective}' "$1" | sed -e 's|.*/||' ;;
        wget) wget -SqO /dev/null "$1" 2>&1 | grep -i '^ *Location:' | tail -n 1 | sed -e 's|.*/||' -e 's/\r$//' ;;
    esac
}

release_version() {
    if [ -n "${INSTALL_K3S_VERSION}" ]; then
        VERSION_K3S=${INSTALL_K3S_VERSION}
    else
        if [ -n "${INSTALL_K3S_CHANNEL_URL}" ]; then
            channel_url=${INSTALL_K3S_CHANNEL_URL%/}/${INSTALL_K3S_CHANNEL:-stable}
        else
            channel_url=${DOWNLOAD_URL}/latest
        fi
        info "Finding the release at ${channel_url}"
        VERSION_K3S=$(resolve_redirect "${channel_url}") || true
        [ -n "${VERSION_K3S}" ] || fatal "Could not resolve a release version from ${channel_url}"
    fi
    case "${VERSION_K3S}" in
        *[!A-Za-z0-9.+_-]*) fatal "Invalid release version '${VERSION_K3S}'" ;;
    esac
    info "Using ${VERSION_K3S} as release"
}

setup_tmp() {
    TMP_DIR=$(mktemp -d -t k3s-install.XXXXXXXXXX)
    trap 'rm -rf "${TMP_DIR}"' EXIT
    trap 'exit 130' INT TERM
}

download_and_verify() {
    if is_true "${INSTALL_K3S_SKIP_DOWNLOAD}"; then
        info "Skipping k3s download and verification"
        [ -x "${BIN_DIR}/k3s" ] || fatal "No executable k3s at ${BIN_DIR}/k3s (INSTALL_K3S_SKIP_DOWNLOAD is set)"
        return
    fi
    setup_arch
    setup_downloader
    release_version
    hash_url=${DOWNLOAD_URL}/download/${VERSION_K3S}/sha256sum-${ARCH}.txt
    info "Downloading hash ${hash_url}"
    download "${TMP_DIR}/sha256sum.txt" "${hash_url}"
    HASH_EXPECTED=$(awk -v name="k3s${SUFFIX}" '$2 == name || $2 == "*" name { print $1; exit }' "${TMP_DIR}/sha256sum.txt")
    case "${HASH_EXPECTED}" in
        "") fatal "No hash for k3s${SUFFIX} in ${hash_url}" ;;
        *[!0-9a-f]*) fatal "Malformed hash for k3s${SUFFIX} in ${hash_url}" ;;
    esac
    if [ -x "${BIN_DIR}/k3s" ] && [ "$(sha256 "${BIN_DIR}/k3s")" = "${HASH_EXPECTED}" ]; then
        info "Installed k3s already matches ${VERSION_K3S}, skipping download"
        return
    fi
    bin_url=${DOWNLOAD_URL}/download/${VERSION_K3S}/k3s${SUFFIX}
    info "Downloading binary ${bin_url}"
    download "${TMP_DIR}/k3s" "${bin_url}"
    info "Verifying binary download"
    hash_got=$(sha256 "${TMP_DIR}/k3s")
    if [ "${hash_got}" != "${HASH_EXPECTED}" ]; then
        fatal "Download sha256 does not match: expected ${HASH_EXPECTED}, got ${hash_got}; nothing was installed"
    fi
    NEW_BINARY=${TMP_DIR}/k3s
}

sha256() {
    sum=$(sha256sum "$1")
    echo "${sum%% *}"
}

install_binary() {
    [ -n "${NEW_BINARY}" ] || return 0
    info "Installing k3s to ${BIN_DIR}/k3s"
    $SUDO mkdir -p "${BIN_DIR}"
    chmod 755 "${NEW_BINARY}"
    # Copied beside the target first, so the rename is atomic even across file systems and a
    # running k3s keeps its (old) inode.
    $SUDO cp "${NEW_BINARY}" "${BIN_DIR}/.k3s.new"
    $SUDO mv -f "${BIN_DIR}/.k3s.new" "${BIN_DIR}/k3s"
}

# --- containerd, runc and CNI plugins from the system's package manager ---
install_runtime_deps() {
    if is_true "${INSTALL_K3S_SKIP_RUNTIME_DEPS}"; then
        info "Skipping containerd/runc/CNI plugin installation"
        return
    fi
    missing_containerd=false missing_runc=false missing_cni=false
    command -v containerd >/dev/null 2>&1 || missing_containerd=true
    command -v runc >/dev/null 2>&1 || missing_runc=true
    if [ ! -x /usr/lib/cni/bridge ] && [ ! -x /opt/cni/bin/bridge ] && [ ! -x /usr/libexec/cni/bridge ]; then
        missing_cni=true
    fi
    if ! is_true "${missing_containerd}" && ! is_true "${missing_runc}" && ! is_true "${missing_cni}"; then
        return
    fi
    if command -v apt-get >/dev/null 2>&1; then
        PKG_MANAGER=apt CNI_PKG=containernetworking-plugins
    elif command -v dnf >/dev/null 2>&1; then
        PKG_MANAGER=dnf CNI_PKG=containernetworking-plugins
    elif command -v yum >/dev/null 2>&1; then
        PKG_MANAGER=yum CNI_PKG=containernetworking-plugins
    elif command -v zypper >/dev/null 2>&1; then
        PKG_MANAGER=zypper CNI_PKG=cni-plugins
    elif command -v apk >/dev/null 2>&1; then
        PKG_MANAGER=apk CNI_PKG=cni-plugins
    else
        fatal "containerd, runc or the CNI plugins are missing and no supported package manager (apt, dnf, yum, zypper, apk) was found"
    fi
    packages=""
    is_true "${missing_containerd}" && packages="${packages} containerd"
    is_true "${missing_runc}" && packages="${packages} runc"
    is_true "${missing_cni}" && packages="${packages} ${CNI_PKG}"
    info "Installing${packages} with ${PKG_MANAGER}"
    # shellcheck disable=SC2086 # the package list is meant to split into words
    case "${PKG_MANAGER}" in
        apt) $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages} ;;
        dnf) $SUDO dnf install -y ${packages} ;;
        yum) $SUDO yum install -y ${packages} ;;
        zypper) $SUDO zypper --non-interactive install ${packages} ;;
        apk) $SUDO apk add --no-cache ${packages} ;;
    esac || fatal "Installing${packages} with ${PKG_MANAGER} failed"
    INSTALLED_PACKAGES=${packages# }
}

# An upgrade keeps the record of packages an earlier run installed, so uninstall still removes them.
remember_installed_packages() {
    [ -f "${UNINSTALL_SH}" ] || return 0
    previous=$(sed -n "s/^INSTALLED_PACKAGES='\([a-z0-9 .+-]*\)'$/\1/p" "${UNINSTALL_SH}")
    previous_manager=$(sed -n "s/^PKG_MANAGER='\([a-z]*\)'$/\1/p" "${UNINSTALL_SH}")
    [ -n "${previous}" ] || return 0
    PKG_MANAGER=${PKG_MANAGER:-${previous_manager}}
    INSTALLED_PACKAGES="${previous}${INSTALLED_PACKAGES:+ ${INSTALLED_PACKAGES}}"
}

# --- kubectl, crictl, ctr as links to the multicall binary ---
create_symlinks() {
    is_true "${INSTALL_K3S_BIN_DIR_READ_ONLY}" && return 0
    [ "${INSTALL_K3S_SYMLINK}" = skip ] && return 0
    for cmd in kubectl crictl ctr; do
        if [ "${INSTALL_K3S_SYMLINK}" = force ]; then
            info "Creating ${BIN_DIR}/${cmd} symlink to k3s"
            $SUDO ln -sf k3s "${BIN_DIR}/${cmd}"
        elif [ -e "${BIN_DIR}/${cmd}" ] || [ -L "${BIN_DIR}/${cmd}" ]; then
            info "Skipping ${BIN_DIR}/${cmd} symlink to k3s, already exists"
        elif existing=$(command -v "${cmd}" 2>/dev/null); then
            info "Skipping ${BIN_DIR}/${cmd} symlink to k3s, command exists in PATH at ${existing}"
        else
            info "Creating ${BIN_DIR}/${cmd} symlink to k3s"
            $SUDO ln -s k3s "${BIN_DIR}/${cmd}"
        fi
    done
}

# Writes stdin to $1 with mode $2, atomically.
write_file() {
    $SUDO mkdir -p "$(dirname "$1")"
    tmp_target="$1.tmp.$$"
    (umask 077 && $SUDO tee "${tmp_target}" >/dev/null)
    $SUDO chmod "$2" "${tmp_target}"
    $SUDO mv -f "${tmp_target}" "$1"
}

create_killall() {
    is_true "${INSTALL_K3S_BIN_DIR_READ_ONLY}" && return 0
    info "Creating killall script ${KILLALL_SH}"
    {
        cat <<EOF
#!/bin/sh
# shellcheck disable=SC2086,SC2046 # lists of process ids are split into words on purpose
# Stops k3s and every process it started (containerd, shims, pods), unmounts what they mounted
# and removes the network interfaces and iptables rules k3s added. Keeps all data.
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"

BIN_DIR='${BIN_DIR}'
DATA_DIR="\${K3S_DATA_DIR:-${DATA_DIR}}"
RUN_DIR='${RUN_DIR}'
ROOT='${ROOT}'
SYSTEMD_DIR='${SYSTEMD_DIR}'
INITD_DIR='${INITD_DIR}'
SYSTEMCTL="\${INSTALL_K3S_SYSTEMCTL:-systemctl}"
EOF
        cat <<'EOF'

# Services first, so their supervisors do not restart what is stopped below. An install under
# another root is not the running system's, so its services are not the manager's either.
if [ -z "${ROOT}" ]; then
    for unit in "${SYSTEMD_DIR}"/k3s*.service; do
        [ -s "${unit}" ] && "${SYSTEMCTL}" stop "$(basename "${unit}")" 2>/dev/null
    done
    for service in "${INITD_DIR}"/k3s*; do
        [ -x "${service}" ] && "${service}" stop
    done
fi

# Process ids of k3s itself, the containerd it runs and that containerd's shims.
k3s_pids() {
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        [ "${pid}" = "$$" ] && continue
        exe=$(readlink "${proc}/exe" 2>/dev/null) || continue
        case "${exe}" in
            "${BIN_DIR}/k3s" | "${BIN_DIR}/k3s (deleted)")
                echo "${pid}"
                continue
                ;;
        esac
        args=$(tr '\0' ' ' <"${proc}/cmdline" 2>/dev/null) || continue
        case "${args}" in
            *"${RUN_DIR}/containerd/containerd.sock"* | *"${DATA_DIR}/agent/etc/containerd/"*) echo "${pid}" ;;
        esac
    done
}

# "pid ppid" for every process; the command name in /proc/<pid>/stat may hold spaces.
ppid_table() {
    for stat in /proc/[0-9]*/stat; do
        read -r line <"${stat}" 2>/dev/null || continue
        rest=${line##*) }
        set -- ${rest}
        echo "${line%% *} $2"
    done
}

with_descendants() {
    table=$(ppid_table)
    pending="$*"
    while [ -n "${pending}" ]; do
        next=""
        for pid in ${pending}; do
            echo "${pid}"
            next="${next} $(echo "${table}" | awk -v p="${pid}" '$2 == p { print $1 }')"
        done
        pending=$(echo "${next}" | tr -s ' ')
        pending=${pending# }
    done
}

stop_processes() {
    pids=$(with_descendants $(k3s_pids) | sort -u)
    [ -n "${pids}" ] || return 0
    echo "Stopping processes:" ${pids}
    kill -TERM ${pids} 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive=""
        for pid in ${pids}; do
            kill -0 "${pid}" 2>/dev/null && alive="${alive} ${pid}"
        done
        [ -z "${alive}" ] && return 0
        sleep 1
    done
    kill -KILL ${alive} 2>/dev/null
    return 0
}

# Unmounts everything at or below $1, deepest first.
unmount_under() {
    awk -v prefix="$1" '$2 == prefix || index($2, prefix "/") == 1 { print $2 }' /proc/self/mounts |
        sort -r | while read -r mount_point; do
            umount -f "${mount_point}" 2>/dev/null || umount -l "${mount_point}" 2>/dev/null
        done
}

remove_network() {
    if command -v ip >/dev/null 2>&1; then
        ip netns show 2>/dev/null | awk '/^cni-/ { print $1 }' | while read -r ns; do
            ip netns delete "${ns}"
        done
        ip link show 2>/dev/null | awk -F': ' '/master cni0/ { sub(/@.*/, "", $2); print $2 }' |
            while read -r iface; do
                ip link delete "${iface}" 2>/dev/null
            done
        for iface in cni0 flannel.1 flannel-v6.1 kube-ipvs0 flannel-wg flannel-wg-v6; do
            ip link show "${iface}" >/dev/null 2>&1 && ip link delete "${iface}"
        done
    fi
    for tables in iptables ip6tables; do
        if command -v "${tables}-save" >/dev/null 2>&1 && command -v "${tables}-restore" >/dev/null 2>&1; then
            "${tables}-save" 2>/dev/null | grep -v -e KUBE- -e CNI- -e K3S-POD-MASQ -i -e flannel | "${tables}-restore" 2>/dev/null
        fi
    done
}

stop_processes
unmount_under "${RUN_DIR}"
unmount_under "${ROOT}/var/lib/kubelet/pods"
unmount_under "${ROOT}/var/lib/kubelet/plugins"
unmount_under "${ROOT}/run/netns/cni-"
remove_network
rm -rf "${ROOT}/var/lib/cni"
exit 0
EOF
    } | write_file "${KILLALL_SH}" 755
}

create_uninstall() {
    is_true "${INSTALL_K3S_BIN_DIR_READ_ONLY}" && return 0
    info "Creating uninstall script ${UNINSTALL_SH}"
    {
        cat <<EOF
#!/bin/sh
# Removes what the k3s installer created for ${SYSTEM_NAME}: the service, its env file, the
# binary, its links and scripts, and k3s's data and configuration.
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"

SYSTEM_NAME='${SYSTEM_NAME}'
INIT_SYSTEM='${INIT_SYSTEM}'
BIN_DIR='${BIN_DIR}'
DATA_DIR="\${K3S_DATA_DIR:-${DATA_DIR}}"
ROOT='${ROOT}'
SYSTEMD_DIR='${SYSTEMD_DIR}'
INITD_DIR='${INITD_DIR}'
FILE_SERVICE='${FILE_SERVICE}'
FILE_ENV='${FILE_ENV}'
KILLALL_SH='${KILLALL_SH}'
UNINSTALL_SH='${UNINSTALL_SH}'
PKG_MANAGER='${PKG_MANAGER}'
INSTALLED_PACKAGES='${INSTALLED_PACKAGES}'
SYSTEMCTL="\${INSTALL_K3S_SYSTEMCTL:-systemctl}"
EOF
        cat <<'EOF'

"${KILLALL_SH}"

if [ -z "${ROOT}" ]; then
    if [ "${INIT_SYSTEM}" = systemd ] && command -v "${SYSTEMCTL}" >/dev/null 2>&1; then
        "${SYSTEMCTL}" disable "${SYSTEM_NAME}" 2>/dev/null
        "${SYSTEMCTL}" reset-failed "${SYSTEM_NAME}" 2>/dev/null
    elif [ "${INIT_SYSTEM}" = openrc ] && command -v rc-update >/dev/null 2>&1; then
        rc-update delete "${SYSTEM_NAME}" default
    fi
fi
rm -f "${FILE_SERVICE}" "${FILE_ENV}" "${ROOT}/etc/logrotate.d/${SYSTEM_NAME}" "${ROOT}/var/log/${SYSTEM_NAME}.log"
if [ -z "${ROOT}" ] && [ "${INIT_SYSTEM}" = systemd ]; then
    "${SYSTEMCTL}" daemon-reload 2>/dev/null
fi
rm -f "${UNINSTALL_SH}"

# A server and an agent may share the binary and data; the last one out removes them.
for other in "${SYSTEMD_DIR}"/k3s*.service "${INITD_DIR}"/k3s*; do
    if [ -e "${other}" ]; then
        echo "Another k3s service remains (${other}); keeping the binary and data"
        exit 0
    fi
done

for cmd in kubectl crictl ctr; do
    if [ -L "${BIN_DIR}/${cmd}" ] && [ "$(readlink "${BIN_DIR}/${cmd}")" = k3s ]; then
        rm -f "${BIN_DIR}/${cmd}"
    fi
done

# Removes a directory tree without following a mount that could not be unmounted.
remove_tree() {
    [ -e "$1" ] || return 0
    awk -v prefix="$1" '$2 == prefix || index($2, prefix "/") == 1 { print $2 }' /proc/self/mounts |
        sort -r | while read -r mount_point; do
            umount -f "${mount_point}" 2>/dev/null || umount -l "${mount_point}"
        done
    if awk -v prefix="$1" '$2 == prefix || index($2, prefix "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
        echo "Not removing $1: something is still mounted below it" >&2
        return 1
    fi
    rm -rf "$1"
}

remove_tree "${ROOT}/etc/rancher/k3s"
remove_tree "${ROOT}/etc/rancher/node"
rmdir "${ROOT}/etc/rancher" 2>/dev/null
remove_tree "${ROOT}/run/k3s"
remove_tree "${ROOT}/run/flannel"
remove_tree "${DATA_DIR}"
rmdir "$(dirname "${DATA_DIR}")" 2>/dev/null
remove_tree "${ROOT}/var/lib/kubelet"
rm -f "${BIN_DIR}/k3s" "${KILLALL_SH}"

if [ -n "${INSTALLED_PACKAGES}" ]; then
    echo "Removing packages the installer added: ${INSTALLED_PACKAGES}"
    # shellcheck disable=SC2086 # a word list
    case "${PKG_MANAGER}" in
        apt) DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ${INSTALLED_PACKAGES} ;;
        dnf) dnf remove -y ${INSTALLED_PACKAGES} ;;
        yum) yum remove -y ${INSTALLED_PACKAGES} ;;
        zypper) zypper --non-interactive remove ${INSTALLED_PACKAGES} ;;
        apk) apk del ${INSTALLED_PACKAGES} ;;
    esac
fi
exit 0
EOF
    } | write_file "${UNINSTALL_SH}" 755
}

# --- K3S_*, CONTAINERD_* and proxy variables for the service, mode 0600 ---
create_env_file() {
    info "Creating environment file ${FILE_ENV}"
    env_content=""
    # Read through a here-document so a refusal below stops the installer, not a subshell.
    while IFS= read -r line; do
        [ -n "${line}" ] || continue
        name=${line%%=*}
        value=""
        eval "value=\${${name}}"
        case "${value}" in
            *"'"* | *'
'*) fatal "${name} contains a quote or a newline, which the service's env file cannot carry" ;;
        esac
        env_content="${env_content}${name}='${value}'
"
    done <<EOF
$(env | sort | grep -E '^(K3S_[A-Za-z0-9_]*|CONTAINERD_[A-Za-z0-9_]*|[Hh][Tt][Tt][Pp][Ss]?_[Pp][Rr][Oo][Xx][Yy]|[Nn][Oo]_[Pp][Rr][Oo][Xx][Yy])=' || true)
EOF
    printf '%s' "${env_content}" | write_file "${FILE_ENV}" 600
}

create_systemd_unit() {
    info "systemd: Creating service file ${FILE_SERVICE}"
    write_file "${FILE_SERVICE}" 644 <<EOF
[Unit]
Description=Lightweight Kubernetes (${SYSTEM_NAME})
Documentation=https://docs.k3s.io
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
# k3s sends READY=1 once the API answers (server) or the node is registered (agent).
Type=${SYSTEMD_TYPE}
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-${FILE_ENV}
# Containers outlive a k3s restart: only k3s itself is stopped, the cgroup is ours to manage.
KillMode=process
Delegate=yes
User=root
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=${BIN_DIR}/k3s \\
    ${CMD_K3S}${CMD_ARGS_SYSTEMD}
EOF
}

create_openrc_service() {
    log_file=${ROOT}/var/log/${SYSTEM_NAME}.log
    info "openrc: Creating service file ${FILE_SERVICE}"
    write_file "${FILE_SERVICE}" 755 <<EOF
#!/sbin/openrc-run

depend() {
    after network-online
    want cgroups
}

supervisor=supervise-daemon
name=${SYSTEM_NAME}
command="${BIN_DIR}/k3s"
command_args="${CMD_K3S}$(printf '%s' "${CMD_ARGS_OPENRC}" | sed -e 's/["\\$`]/\\&/g')"
output_log=${log_file}
error_log=${log_file}
pidfile="/var/run/${SYSTEM_NAME}.pid"
respawn_delay=5
respawn_max=0

set -o allexport
if [ -f /etc/environment ]; then . /etc/environment; fi
if [ -f ${FILE_ENV} ]; then . ${FILE_ENV}; fi
set +o allexport
EOF
    write_file "${ROOT}/etc/logrotate.d/${SYSTEM_NAME}" 644 <<EOF
${log_file} {
	missingok
	notifempty
	copytruncate
}
EOF
}

enable_and_start() {
    if is_true "${INSTALL_K3S_SKIP_ENABLE}"; then
        info "Skipping enabling and starting ${SYSTEM_NAME}"
        return
    fi
    if [ "${INIT_SYSTEM}" = systemd ]; then
        info "systemd: Enabling ${SYSTEM_NAME} unit"
        $SUDO "${SYSTEMCTL}" enable "${FILE_SERVICE}" >/dev/null
        $SUDO "${SYSTEMCTL}" daemon-reload >/dev/null
    else
        info "openrc: Enabling ${SYSTEM_NAME} service for the default runlevel"
        $SUDO rc-update add "${SYSTEM_NAME}" default >/dev/null
    fi
    if is_true "${INSTALL_K3S_SKIP_START}"; then
        info "Skipping starting ${SYSTEM_NAME}"
        return
    fi
    if [ "${PRE_INSTALL_HASHES}" = "$(installed_hashes)" ] && ! is_true "${INSTALL_K3S_FORCE_RESTART}"; then
        info "No change detected, not restarting ${SYSTEM_NAME}"
        return
    fi
    if [ "${INIT_SYSTEM}" = systemd ]; then
        info "systemd: Starting ${SYSTEM_NAME}"
        $SUDO "${SYSTEMCTL}" restart "${SYSTEM_NAME}"
    else
        info "openrc: Starting ${SYSTEM_NAME}"
        $SUDO "${FILE_SERVICE}" restart
    fi
}

main() {
    # INSTALL_K3S_EXEC is split into words (no globbing); the script's own arguments follow.
    # shellcheck disable=SC2086
    set -- ${INSTALL_K3S_EXEC} "$@"
    parse_command "$@"
    setup_env
    setup_tmp
    download_and_verify
    install_runtime_deps
    remember_installed_packages
    install_binary
    create_symlinks
    create_killall
    create_uninstall
    create_env_file
    if [ "${INIT_SYSTEM}" = systemd ]; then create_systemd_unit; else create_openrc_service; fi
    enable_and_start
    info "Done: ${SYSTEM_NAME} installed"
}

main "$@"
