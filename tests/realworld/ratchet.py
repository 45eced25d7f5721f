#!/usr/bin/env python3
"""Keeps `open = true` on exactly the false verdicts cymig still reports.

Run after `INSTA_UPDATE=always cargo test --release --test cli realworld` has rewritten the snapshots:
  python3 tests/realworld/ratchet.py
Each false verdict is split into the locations still reported (`open = true`) and those fixed
(no mark, so the test fails should they come back). Other verdicts are left as they are.
"""
import pathlib
import re
import tomllib

HERE = pathlib.Path(__file__).parent


def reported(repo):
    snap = HERE / "snapshots" / (repo.replace("@", "_at_") + ".snap")
    found = set()
    for line in snap.read_text().splitlines():
        m = re.match(r"^(\S+:\d+:\d+) \w+ ([\w-]+): ", line)
        if m:
            found.add((m.group(1), m.group(2)))
    return found


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entry(at, rule, verdict, why, open_):
    at_text = quote(at[0]) if len(at) == 1 else "[\n" + "".join(f"  {quote(a)},\n" for a in at) + "]"
    lines = ["[[finding]]", f"at = {at_text}", f"rule = {quote(rule)}", f"verdict = {quote(verdict)}"]
    if open_:
        lines.append("open = true")
    lines.append(f"why = {quote(why)}")
    return "\n".join(lines) + "\n"


def trailing_comments(text):
    """The comment lines that end the file, after its last finding: kept as they are."""
    lines = text.rstrip("\n").split("\n")
    end = len(lines)
    start = end
    while start > 0 and (lines[start - 1].startswith("#") or not lines[start - 1].strip()):
        start -= 1
    block = [l for l in lines[start:end]]
    while block and not block[0].strip():
        block.pop(0)
    return "\n" + "\n".join(block) + "\n" if block else ""


def main():
    for path in sorted((HERE / "verdicts").glob("*.toml")):
        text = path.read_text()
        header = text.split("[[finding]]", 1)[0]
        trailer = trailing_comments(text) if "[[finding]]" in text else ""
        data = tomllib.loads(text)
        present = reported(path.stem)
        out = [header.rstrip() + "\n"]
        for f in data.get("finding", []):
            at = f["at"] if isinstance(f["at"], list) else [f["at"]]
            if f["verdict"] != "false":
                out.append(entry(at, f["rule"], f["verdict"], f["why"], False))
                continue
            still = [a for a in at if (a, f["rule"]) in present]
            fixed = [a for a in at if (a, f["rule"]) not in present]
            if still:
                out.append(entry(still, f["rule"], "false", f["why"], True))
            if fixed:
                out.append(entry(fixed, f["rule"], "false", f["why"], False))
        path.write_text("\n".join(out) + trailer)


if __name__ == "__main__":
    main()
