# The node image recipe. Its sha256, with the suite, names the cached base
# (/var/cache/kubelet-fix/base-<suite>-<hash>), so any change here builds a new base instead of
# silently reusing an old one. Sourced by image.sh; runs as root on the host.

# The node operating systems (node option os=SUITE), each a Debian suite; the first is the
# default. bookworm has systemd 252; bullseye has systemd 247, to try kubelet-fix on an older
# systemd (`systemctl show` properties, exit codes, journalctl options differ between versions).
BASE_SUITES=(bookworm bullseye)
BASE_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,sudo,python3,python3-yaml,procps,iproute2,libpam-systemd

# customize_base ROOT: everything every node shares. Per-node state (hostname, machine-id, host
# keys, listen address, authorized key, sudo mode, kubelet layout) is written at node start.
customize_base() {
  local root=$1
  # Nodes share the host's network namespace: nothing in them may touch host networking,
  # and a login console would only slow the boot.
  systemctl --root="$root" mask --quiet \
    systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
    systemd-resolved.service getty@tty1.service console-getty.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
  # Host keys are per node (generated at start and recorded in the fleet's known_hosts).
  rm -f "$root"/etc/ssh/ssh_host_*
  : > "$root/etc/machine-id"

  # The login user of AKS nodes, with passwordless sudo (sudo=password nodes override this).
  chroot "$root" useradd --create-home --uid 1000 --shell /bin/bash \
    --groups adm,sudo,systemd-journal azureuser
  chroot "$root" usermod --password '*' azureuser
  printf 'azureuser ALL=(ALL) NOPASSWD:ALL\n' > "$root/etc/sudoers.d/azureuser"
  chmod 0440 "$root/etc/sudoers.d/azureuser"

  cat > "$root/etc/ssh/sshd_config.d/20-fleet.conf" <<'CONF'
# Key login only; the one host key is generated per node.
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
CONF

  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
}
