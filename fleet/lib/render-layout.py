#!/usr/bin/python3
"""Writes a kubelet layout (fleet/layouts/<layout>.yaml) with one scenario into a node's root.

Layouts are data: the files of a real node, verbatim, plus scenarios that are small exact-text
edits on them. Keeping edits exact (a `replace` must match exactly once) means a scenario can
never silently stop doing what its name says when a layout file changes.

  render-layout.py list
  render-layout.py check LAYOUT SCENARIO
  render-layout.py write --root DIR --layout L --scenario S --node NAME --address ADDR
                         --launcher BIN --standin DIR --pki DIR --manifest OUT [--previous OLD] [-v]

`write` prints the expected kubelet state ("running" or "failing") on stdout.
"""
import argparse
import json
import os
import sys

import yaml

LAYOUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layouts")
# The stand-in's python (kubelet.py and the modules it imports) lives here in every node.
STANDIN_LIB = "/usr/lib/kubelet-standin"


class LayoutError(Exception):
    pass


def layout_names():
    return sorted(f[:-5] for f in os.listdir(LAYOUT_DIR) if f.endswith(".yaml"))


def load_layout(name):
    path = os.path.join(LAYOUT_DIR, name + ".yaml")
    if not os.path.isfile(path):
        raise LayoutError(f"unknown layout '{name}' (layouts: {', '.join(layout_names())})")
    with open(path) as f:
        return yaml.safe_load(f)


def resolve(layout_name, scenario):
    """Returns (files {path: (content, mode)}, kubelet path, expected kubelet state)."""
    layout = load_layout(layout_name)
    scenarios = layout.get("scenarios") or {}
    if scenario not in scenarios:
        reason = (layout.get("not-applicable") or {}).get(scenario)
        if reason:
            raise LayoutError(f"scenario '{scenario}' does not apply to layout '{layout_name}': {reason}")
        raise LayoutError(
            f"unknown scenario '{scenario}' for layout '{layout_name}' (scenarios: {', '.join(scenarios)})"
        )
    files = {f["path"]: [f["content"], f.get("mode", "0644")] for f in layout["files"]}
    # Certificates come from the fleet's PKI directory: {"pki": name} instead of content.
    for f in layout.get("pki", []):
        files[f["path"]] = [{"pki": f["from"]}, f.get("mode", "0644")]
    state = {"expect": "running"}

    def apply(name, seen):
        if name in seen:
            raise LayoutError(f"layout '{layout_name}': scenario include cycle at '{name}'")
        spec = scenarios.get(name)
        if spec is None:
            raise LayoutError(f"layout '{layout_name}': scenario '{name}' is included but not defined")
        spec = spec or {}
        for inc in spec.get("include", []):
            apply(inc, seen | {name})
        for edit in spec.get("edit", []):
            where = f"layout '{layout_name}' scenario '{name}', file {edit['path']}"
            if edit["path"] not in files:
                raise LayoutError(f"{where}: the layout has no such file")
            text = files[edit["path"]][0]
            count = text.count(edit["replace"])
            if count != 1:
                raise LayoutError(f"{where}: {edit['replace']!r} matches {count} times, expected exactly once")
            files[edit["path"]][0] = text.replace(edit["replace"], edit["with"])
        for add in spec.get("add", []):
            files[add["path"]] = [add["content"], add.get("mode", "0644")]
        if "kubelet" in spec:
            state["expect"] = spec["kubelet"]

    apply(scenario, frozenset())
    return files, layout["kubelet"], state["expect"]


def inside(root, path):
    """The host path of `path` inside the node's root, resolving symlinks as the node would,
    so that a symlink in the node (e.g. /lib -> usr/lib, or an absolute one) never leads out."""
    parts = [p for p in path.split("/") if p]
    resolved = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            resolved = resolved[:-1]
            continue
        if part == ".":
            continue
        candidate = os.path.join(root, *resolved, part)
        if os.path.islink(candidate) and parts:  # the final component itself is replaced, not followed
            hops += 1
            if hops > 40:
                raise LayoutError(f"too many symlinks under {path}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


def write_file(root, path, data, mode):
    dest = inside(root, path)
    os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
    tmp = dest + ".fleet-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.chown(tmp, 0, 0)
    os.replace(tmp, dest)


# A layout owns every kubelet unit file and drop-in: whatever a test (or the tool under test) added
# there must not leak into the next layout. /run/systemd/system is the node's tmpfs: fleet.sh
# clears that one from inside.
KUBELET_UNIT_PATHS = ["/etc/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service"]
KUBELET_DROPIN_DIRS = ["/etc/systemd/system/kubelet.service.d", "/usr/lib/systemd/system/kubelet.service.d"]


def remove_previous(root, manifest_path):
    for path in KUBELET_UNIT_PATHS:
        dest = inside(root, path)
        if os.path.lexists(dest) and not os.path.isdir(dest):
            os.unlink(dest)
    for path in KUBELET_DROPIN_DIRS:
        d = inside(root, path)
        if os.path.isdir(d) and not os.path.islink(d):
            for name in os.listdir(d):
                if not os.path.isdir(os.path.join(d, name)):
                    os.unlink(os.path.join(d, name))
    if not manifest_path or not os.path.exists(manifest_path):
        return
    with open(manifest_path) as f:
        previous = json.load(f)
    for path in previous["files"]:
        dest = inside(root, path)
        if os.path.lexists(dest) and not os.path.isdir(dest):
            os.unlink(dest)
            # An emptied drop-in directory would still show in `systemctl status` of nothing.
            parent = os.path.dirname(dest)
            if parent.endswith(".service.d") and not os.listdir(parent):
                os.rmdir(parent)
    # `systemctl enable` of the previous unit: re-enabled after the new files are written.
    for wants in ("multi-user.target.wants",):
        link = inside(root, f"/etc/systemd/system/{wants}/kubelet.service")
        if os.path.islink(link):
            os.unlink(link)


def write(args):
    files, kubelet, expect = resolve(args.layout, args.scenario)
    remove_previous(args.root, args.previous)
    written = []
    for path, (content, mode) in files.items():
        if isinstance(content, dict):
            with open(os.path.join(args.pki, content["pki"]), "rb") as f:
                data = f.read()
        else:
            data = content.replace("{{node}}", args.node).replace("{{address}}", args.address).encode()
        write_file(args.root, path, data, int(str(mode), 8))
        written.append(path)
        if args.verbose:
            print(f"wrote {path}", file=sys.stderr)
    with open(args.launcher, "rb") as f:
        write_file(args.root, kubelet, f.read(), 0o755)
    written.append(kubelet)
    for name in sorted(os.listdir(args.standin)):
        if name.endswith(".py"):
            with open(os.path.join(args.standin, name), "rb") as f:
                write_file(args.root, f"{STANDIN_LIB}/{name}", f.read(), 0o644)
            written.append(f"{STANDIN_LIB}/{name}")
    if args.verbose:
        print(f"installed {kubelet} (stand-in)", file=sys.stderr)
    manifest = {"layout": args.layout, "scenario": args.scenario, "kubelet": kubelet, "expect": expect,
                "files": written}
    with open(args.manifest + ".tmp", "w") as f:
        json.dump(manifest, f, indent=2)
    os.replace(args.manifest + ".tmp", args.manifest)
    print(expect)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    check = sub.add_parser("check")
    check.add_argument("layout")
    check.add_argument("scenario")
    w = sub.add_parser("write")
    for opt in ("--root", "--layout", "--scenario", "--node", "--address", "--launcher", "--standin", "--pki",
                "--manifest"):
        w.add_argument(opt, required=True)
    w.add_argument("--previous")
    w.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    try:
        if args.cmd == "list":
            for name in layout_names():
                layout = load_layout(name)
                print(f"{name}: {' '.join(layout['scenarios'])}")
        elif args.cmd == "check":
            resolve(args.layout, args.scenario)
        else:
            write(args)
    except LayoutError as e:
        print(f"fleet: error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
