#!/usr/bin/env python3
"""checksrc.py — the house-style checker run by `make test`.

Fails (exit 1) on:
  * a .c/.h file over 1,500 lines, or a function body over 150 lines
    (function bodies are the lines between a '{' and a '}' in column 0);
  * banned functions anywhere under src/ (unsafe or non-reproducible);
  * raw malloc/calloc/realloc/free outside src/core/alloc.c;
  * in the sans-IO trees (src/proto, src/media, src/b2bua): sockets, event
    polling, clock reads, sleeping, threads, OS randomness, and file-scope
    objects that are not const (mutable global state).
Soft limits (800-line files, 60-line functions) are reported, not failed.
Usage: checksrc.py DIR...   (prints "ok - style/checksrc" or FAIL lines)
"""
import os
import re
import sys

FILE_HARD, FILE_SOFT = 1500, 800
FUNC_HARD, FUNC_SOFT = 150, 60

BANNED = r"strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|alloca|rand|srand|tmpnam|mktemp"
BANNED_RE = re.compile(r"(?<![\w.>])(" + BANNED + r")\s*\(")
RAW_ALLOC_RE = re.compile(r"(?<![\w.>])(malloc|calloc|realloc|free)\s*\(")
SANS_IO_DIRS = ("proto", "media", "b2bua")
SANS_IO_CALLS = re.compile(
    r"(?<![\w.>])(socket|bind|connect|listen|accept4?|send|sendto|sendmsg|sendmmsg|recv|recvfrom"
    r"|recvmsg|recvmmsg|epoll_\w+|poll|ppoll|select|pselect|clock_gettime|gettimeofday|time"
    r"|clock|timespec_get|sleep|usleep|nanosleep|getrandom|random|pthread_\w+|thrd_\w+"
    r"|io_uring_\w+|fork|signal|sigaction)\s*\(")
SANS_IO_INCLUDES = re.compile(r"#\s*include\s*<(sys/socket\.h|sys/epoll\.h|poll\.h|pthread\.h"
                              r"|threads\.h|sys/time\.h|time\.h|netdb\.h|sys/random\.h)>")


def strip_code(text):
    """Blanks comments, string and char literals (keeps line structure)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def without_preprocessor(code):
    lines, cont = [], False
    for line in code.split("\n"):
        is_pp = cont or line.lstrip().startswith("#")
        cont = is_pp and line.rstrip().endswith("\\")
        lines.append("" if is_pp else line)
    return "\n".join(lines)


def object_is_const(decl):
    """decl: a top-level declaration without its initializer."""
    fp = re.search(r"\(\s*\*\s*(const\b)?\s*\w+\s*\)", decl)
    if fp:  # a function pointer: const only as "(*const name)"
        return fp.group(1) is not None
    decl = re.sub(r"\[[^\]]*\]", "", decl).strip()
    m = re.search(r"([A-Za-z_]\w*)\s*$", decl)
    if not m:
        return True
    head = decl[: m.start()]
    if "*" in head:
        return "const" in head[head.rfind("*"):]
    return re.search(r"\bconst\b", head) is not None


def mutable_globals(code):
    """Yields (line, text) of file-scope objects that are not const."""
    code = without_preprocessor(code)
    depth, stmt, start_line, line = 0, [], 1, 1
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == "\n":
            line += 1
        if depth == 0 and c == "{":
            so_far = "".join(stmt).strip()
            if so_far.endswith(")"):
                # A function body: skip to its matching brace.
                d = 0
                while i < n:
                    if code[i] == "{":
                        d += 1
                    elif code[i] == "}":
                        d -= 1
                        if d == 0:
                            break
                    elif code[i] == "\n":
                        line += 1
                    i += 1
                stmt, start_line = [], line
                i += 1
                continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if depth == 0 and c == ";":
            text = " ".join("".join(stmt).split())
            stmt = []
            yield from classify_statement(text, start_line)
            start_line = line
        else:
            if not stmt and c.isspace():
                start_line = line + (1 if c == "\n" else 0)
            else:
                stmt.append(c)
        i += 1


def collapse_braces(text):
    out, depth = [], 0
    for c in text:
        if c == "{":
            if depth == 0:
                out.append("{")
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                out.append("}")
        elif depth == 0:
            out.append(c)
    return "".join(out)


def classify_statement(text, line):
    if not text or re.match(r"(typedef|extern|_Static_assert|static_assert)\b", text):
        return
    flat = collapse_braces(text)
    # struct/enum/union definitions or declarations without a declarator.
    if re.match(r"(struct|enum|union)\b[^{=]*(\{\})?\s*$", flat):
        return
    before_init = flat.split("=", 1)[0].replace("{}", " ")
    paren = before_init.find("(")
    if paren >= 0 and not re.match(r"\(\s*\*", before_init[paren:]):
        return  # a function prototype (its first parenthesis opens the parameters)
    for decl in split_declarators(before_init):
        if not object_is_const(decl):
            yield line, text[:100]
            return


def split_declarators(text):
    parts = text.split(",")
    if len(parts) == 1:
        return parts
    m = re.match(r"((?:\w+\s+)*?(?:struct\s+\w+|enum\s+\w+|\w+))\s", parts[0])
    base = m.group(1) if m else ""
    return [parts[0]] + [base + " " + p for p in parts[1:]]


def function_lengths(raw_lines):
    start = None
    for idx, l in enumerate(raw_lines, 1):
        if l.startswith("{"):
            start = idx
        elif l.startswith("}") and start is not None:
            yield start, idx - start - 1
            start = None


def check_file(path, rel, errors, notes):
    with open(path, encoding="utf-8", errors="replace") as f:
        raw = f.read()
    lines = raw.split("\n")
    if len(lines) > FILE_HARD:
        errors.append(f"{rel}: {len(lines)} lines (limit {FILE_HARD})")
    elif len(lines) > FILE_SOFT:
        notes.append(f"{rel}: {len(lines)} lines (soft limit {FILE_SOFT})")
    for start, length in function_lengths(lines):
        if length > FUNC_HARD:
            errors.append(f"{rel}:{start}: function body of {length} lines (limit {FUNC_HARD})")
        elif length > FUNC_SOFT:
            notes.append(f"{rel}:{start}: function body of {length} lines (soft limit {FUNC_SOFT})")
    code = strip_code(raw)
    parts = rel.replace(os.sep, "/").split("/")
    sans_io = any(d in parts for d in SANS_IO_DIRS)
    for no, l in enumerate(code.split("\n"), 1):
        if l.lstrip().startswith("#"):
            if sans_io and SANS_IO_INCLUDES.search(l):
                errors.append(f"{rel}:{no}: sans-IO code includes an I/O or clock header: {l.strip()}")
            continue
        m = BANNED_RE.search(l)
        if m:
            errors.append(f"{rel}:{no}: banned function {m.group(1)}()")
        m = RAW_ALLOC_RE.search(l)
        if m and not rel.replace(os.sep, "/").endswith("core/alloc.c"):
            errors.append(f"{rel}:{no}: raw {m.group(1)}(); use rg_{m.group(1)}()")
        if sans_io:
            m = SANS_IO_CALLS.search(l)
            if m:
                errors.append(f"{rel}:{no}: sans-IO code calls {m.group(1)}(): sockets, clocks,"
                              " threads and OS randomness belong in src/io")
    if sans_io and path.endswith(".c") or sans_io and path.endswith(".h"):
        for no, text in mutable_globals(code):
            errors.append(f"{rel}:{no}: mutable file-scope state in sans-IO code: {text}")


def main(argv):
    roots = argv[1:] or ["src"]
    errors, notes, count = [], [], 0
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    path = os.path.join(dirpath, name)
                    check_file(path, os.path.relpath(path, os.path.dirname(root.rstrip("/")) or "."),
                               errors, notes)
                    count += 1
    for n in notes:
        print("note: " + n, file=sys.stderr)
    for e in errors:
        print("error: " + e, file=sys.stderr)
    label = "style/checksrc " + " ".join(roots)
    if errors:
        print(f"FAIL - {label} ({len(errors)} errors in {count} files)")
        return 1
    print(f"ok - {label} ({count} files, {len(notes)} soft-limit notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
