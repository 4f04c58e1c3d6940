#!/usr/bin/env python3
"""Turns a text file into a C string constant: embed.py NAME IN OUT."""
import sys

name, src, dst = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* generated from %s by scripts/embed.py */\n' % src)
    out.write('const char %s[] =\n' % name)
    for line in data.splitlines(keepends=True):
        esc = ''.join(c if 32 <= ord(c) < 127 and c not in '"\\' else '\\%03o' % ord(c)
                      for c in line.decode('utf-8', 'replace')
                      ) if all(b < 128 for b in line) else ''.join('\\%03o' % b for b in line)
        out.write('\t"%s"\n' % esc)
    out.write('\t"";\n')
