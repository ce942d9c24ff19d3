#!/usr/bin/python3
"""evtx-dump.py: print EVTX records in the canonical form `mkevtx --dump` prints.

    evtx-dump.py [--no-id-check] FILE.evtx
                                      read FILE with python-evtx (package Evtx);
                                      --no-id-check: a forwarded log, where
                                      EventRecordID is the source host's
    evtxexport -f xml FILE | evtx-dump.py --xml
                                      canonicalise libevtx's XML rendering
    evtx-dump.py --signature FILE.evtx [KIND...]
                                      the structure of each kind of record
                                      (first record per provider, event id and
                                      version): template elements, dependency
                                      ids, substitution indexes and types;
                                      KINDs ("5156 v1") stop the walk early
    evtx-dump.py --chunk-facts FILE.evtx
                                      chunk conventions, counted from the raw
                                      bytes: how many string and template
                                      table entries sit where Windows' hashes
                                      put them, records 8-byte aligned, ...

The two readers are independent of the fixture writer (tests/mkevtx.c) and of
each other: python-evtx parses chunks, templates and substitutions itself
(this script renders each typed substitution from its raw bytes, so no
precision is lost), and the --xml path only reads the text evtxexport wrote.

Records go to stdout, one line each (see CANONICAL FORM in tests/mkevtx.c):
  record=ID  eid=N  time=ISO7  computer=J  provider=J  guid=G  channel=J
  version=N  level=N  task=N  opcode=N  keywords=0x%016x  pid=N  tid=N
  [userid=SID]  [activity=G]  [userdata=ELEMENT]  NAME=J ...
Problems go to stderr, one line each, and make the exit status 1:
  file: header flags dirty | header flags full | bad header checksum
  file: header counts N chunks, the file holds M
  file: N bytes after the last whole chunk
  chunk K: bad signature | bad header checksum | bad data checksum
  record N: <what python-evtx could not parse>
  record N: header id M differs from EventRecordID
  record N: size fields differ (A and B)
"""

import re
import sys

ISO9 = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}00Z$')
HEX = re.compile(r'^0x[0-9A-Fa-f]{1,16}$')
GUID = re.compile(r'^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-'
                  r'[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$')


def canon_text(s):
    """Re-print a rendered value as every reader's rendering compares equal."""
    if HEX.match(s):
        s = '0x%x' % int(s, 16)
    elif GUID.match(s):
        s = s.upper()
    elif ISO9.match(s):
        s = s[:-3] + 'Z'
    return s


def json_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == '\\':
            out.append('\\' + ch)
        elif o < 0x20 or o == 0x7f:
            out.append('\\u%04x' % o)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def canon(s):
    return json_str(canon_text(s))


def filetime_iso(ft):
    secs, frac = divmod(ft, 10**7)
    secs -= 11644473600
    days, rem = divmod(secs, 86400)
    # civil_from_days (Howard Hinnant), as mkevtx does
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return '%04d-%02d-%02dT%02d:%02d:%02d.%07dZ' % (
        y, m, d, rem // 3600, rem // 60 % 60, rem % 60, frac)


class Elem:
    """A rendered element: the little of XML the canonical form needs."""
    __slots__ = ('name', 'attrs', 'children', 'text')

    def __init__(self, name):
        self.name = name
        self.attrs = {}
        self.children = []
        self.text = []

    def find(self, name):
        for c in self.children:
            if c.name == name:
                return c
        return None

    def value(self):
        return ''.join(self.text)


def record_line(event):
    """The canonical line for one rendered <Event> element."""
    system = event.find('System')
    if system is None:
        raise ValueError('no <System>')

    def text(name):
        e = system.find(name)
        return e.value() if e is not None else ''

    def attr(name, key):
        e = system.find(name)
        return e.attrs.get(key) if e is not None else None

    time = attr('TimeCreated', 'SystemTime') or ''
    out = ['record=%s' % text('EventRecordID'),
           'eid=%s' % text('EventID'),
           'time=%s' % canon_text(time),
           'computer=%s' % canon(text('Computer')),
           'provider=%s' % canon(attr('Provider', 'Name') or ''),
           'guid=%s' % canon_text(attr('Provider', 'Guid') or ''),
           'channel=%s' % canon(text('Channel')),
           'version=%s' % text('Version'),
           'level=%s' % text('Level'),
           'task=%s' % text('Task'),
           'opcode=%s' % text('Opcode'),
           'keywords=0x%016x' % int(text('Keywords') or '0', 16),
           'pid=%s' % attr('Execution', 'ProcessID'),
           'tid=%s' % attr('Execution', 'ThreadID')]
    userid = attr('Security', 'UserID')
    if userid:
        out.append('userid=%s' % userid)
    activity = attr('Correlation', 'ActivityID')
    if activity:
        out.append('activity=%s' % canon_text(activity))
    data = event.find('EventData')
    user = event.find('UserData')
    if data is not None:
        for d in data.children:
            out.append('%s=%s' % (d.attrs.get('Name', ''), canon(d.value())))
    elif user is not None and user.children:
        wrapper = user.children[0]
        out.append('userdata=%s' % wrapper.name)
        for d in wrapper.children:
            out.append('%s=%s' % (d.name, canon(d.value())))
    return '\t'.join(out)


# ---------------------------------------------------------------- python-evtx

def render_value(N, v):
    """Text for one typed substitution value, from its raw bytes; None: null."""
    if isinstance(v, N.NullTypeNode):
        return None
    if isinstance(v, N.WstringTypeNode):
        return v.string()
    if isinstance(v, N.Hex32TypeNode):
        return '0x%x' % v.unpack_dword(0)
    if isinstance(v, N.Hex64TypeNode):
        return '0x%x' % v.unpack_qword(0)
    if isinstance(v, N.FiletimeTypeNode):
        return filetime_iso(v.unpack_qword(0))
    if isinstance(v, N.BooleanTypeNode):
        return 'true' if v.unpack_int32(0) else 'false'
    if isinstance(v, N.GuidTypeNode):
        return v.string().upper()
    return v.string()


# A template's element tree, compiled once per chunk and template offset
# into a plan: ('open', name, attrs, children) with attrs a list of (name,
# ('text', s) | ('sub', index)), ('text', s) and ('sub', index) items.
PLANS = {}


def compile_nodes(N, nodes):
    plan = []
    for c in nodes:
        if isinstance(c, N.OpenStartElementNode):
            attrs, children = [], []
            for a in c.children():
                if isinstance(a, N.AttributeNode):
                    v = a.attribute_value()
                    if isinstance(v, N.ValueNode):
                        attrs.append((a.attribute_name().string(), ('text', v.children()[0].string())))
                    else:
                        attrs.append((a.attribute_name().string(), ('sub', v.index())))
                elif not isinstance(a, (N.CloseStartElementNode, N.CloseEmptyElementNode,
                                        N.CloseElementNode)):
                    children.extend(compile_nodes(N, [a]))
            plan.append(('open', c.tag_name(), attrs, children))
        elif isinstance(c, N.ValueNode):
            plan.append(('text', c.children()[0].string()))
        elif isinstance(c, (N.NormalSubstitutionNode, N.ConditionalSubstitutionNode)):
            plan.append(('sub', c.index()))
        elif isinstance(c, (N.StreamStartNode, N.EndOfStreamNode, N.CloseStartElementNode,
                            N.CloseEmptyElementNode, N.CloseElementNode)):
            pass
        else:
            raise ValueError('unexpected node %s' % type(c).__name__)
    return plan


def render_root(N, root, parent):
    """Render a template instance (RootNode) into parent."""
    key = (root._chunk.offset(), root.template_instance().template_offset())
    plan = PLANS.get(key)
    if plan is None:
        plan = PLANS[key] = compile_nodes(N, root.template().children())
    render_plan(N, plan, root.substitutions(), parent)


def render_plan(N, plan, subs, parent):
    for item in plan:
        kind = item[0]
        if kind == 'open':
            e = Elem(item[1])
            for name, (how, x) in item[2]:
                if how == 'text':
                    e.attrs[name] = x
                else:
                    v = subs[x]
                    if isinstance(v, N.BXmlTypeNode):
                        raise ValueError('binary XML in an attribute')
                    t = render_value(N, v)
                    if t is not None:
                        e.attrs[name] = t
            render_plan(N, item[3], subs, e)
            parent.children.append(e)
        elif kind == 'text':
            parent.text.append(item[1])
        else:
            v = subs[item[1]]
            if isinstance(v, N.BXmlTypeNode):
                render_root(N, v._root, parent)
            else:
                t = render_value(N, v)
                if t is not None:
                    parent.text.append(t)


def dump_pyevtx(path, id_check=True):
    import Evtx.Evtx as E
    import Evtx.Nodes as N
    problems = 0
    import os
    with E.Evtx(path) as log:
        fh = log.get_file_header()
        whole, rest = divmod(os.path.getsize(path) - fh.header_chunk_size(), 0x10000)
        for bad, what in ((fh.is_dirty(), 'header flags dirty'), (fh.is_full(), 'header flags full'),
                          (fh.checksum() != fh.calculate_checksum(), 'bad header checksum'),
                          (fh.chunk_count() != whole, 'header counts %d chunks, the file holds %d' %
                           (fh.chunk_count(), whole)),
                          (rest, '%d bytes after the last whole chunk' % rest)):
            if bad:
                print('file: ' + what, file=sys.stderr)
                problems += 1
        for k, chunk in enumerate(log.chunks()):
            try:
                magic = chunk.check_magic()
            except UnicodeDecodeError:
                magic = False
            if not magic:
                print('chunk %d: bad signature' % k, file=sys.stderr)
                problems += 1
                continue
            if chunk.calculate_header_checksum() != chunk.header_checksum():
                print('chunk %d: bad header checksum' % k, file=sys.stderr)
                problems += 1
            if chunk.calculate_data_checksum() != chunk.data_checksum():
                print('chunk %d: bad data checksum' % k, file=sys.stderr)
                problems += 1
            for rec in chunk.records():
                num = rec.record_num()
                try:
                    if rec.size() != rec.size2():
                        print('record %d: size fields differ (%d and %d)' %
                              (num, rec.size(), rec.size2()), file=sys.stderr)
                        problems += 1
                    top = Elem('')
                    render_root(N, rec.root(), top)
                    line = record_line(top.children[0])
                    if id_check and not line.startswith('record=%d\t' % num):
                        print('record %d: header id differs from EventRecordID' % num,
                              file=sys.stderr)
                        problems += 1
                    print(line)
                except Exception as e:  # one bad record is not fatal
                    print('record %d: %s: %s' % (num, type(e).__name__, e), file=sys.stderr)
                    problems += 1
    return problems


# ----------------------------------------------------------------- signature

def type_name(N, v):
    return type(v).__name__.replace('TypeNode', '') if v is not None else 'Null'


def shape(N, node, subs, out):
    """The template tree as text: <Name dep=D, @attr=, Oidx:type/ValueType,
    "text" for literals (contents elided), > closes."""
    for c in node.children():
        if isinstance(c, N.OpenStartElementNode):
            dep = c.unknown0()
            out.append('<%s%s' % (c.tag_name(), '' if dep == 0xffff else ' dep=%d' % dep))
            shape(N, c, subs, out)
        elif isinstance(c, N.AttributeNode):
            out.append('@%s=' % c.attribute_name().string())
            shape(N, c, subs, out)
        elif isinstance(c, (N.NormalSubstitutionNode, N.ConditionalSubstitutionNode)):
            v = subs[c.index()] if c.index() < len(subs) else None
            kind = 'N' if isinstance(c, N.NormalSubstitutionNode) else 'O'
            out.append('%s%d:%02x' % (kind, c.index(), c.type()))
            if isinstance(v, N.BXmlTypeNode):
                out.append('{')
                shape(N, v._root.template(), v._root.substitutions(), out)
                out.append('}')
            elif kind == 'N':  # EventData values: the type actually written
                out.append('/' + type_name(N, v))
        elif isinstance(c, N.ValueNode):
            out.append('"%s"' % ('...' if out and out[-1] in ('<Computer',) else
                                 c.children()[0].string()))
        elif isinstance(c, N.CloseElementNode):
            out.append('>')


def signatures(path, wanted=()):
    import Evtx.Evtx as E
    import Evtx.Nodes as N
    seen = set()
    with E.Evtx(path) as log:
        for rec in log.records():
            try:
                top = Elem('')
                render_root(N, rec.root(), top)
                system = top.children[0].find('System')
                prov = system.find('Provider').attrs.get('Name', '')
                key = (prov, system.find('EventID').value(), system.find('Version').value())
                if key in seen:
                    continue
                seen.add(key)
                kind = '%s v%s' % (key[1], key[2])
                if wanted and kind not in wanted:
                    continue
                out = []
                root = rec.root()
                shape(N, root.template(), root.substitutions(), out)
                print('%s %s v%s\t%s' % (key[0], key[1], key[2], ' '.join(out)))
                if wanted and all(w in {'%s v%s' % (k[1], k[2]) for k in seen} for w in wanted):
                    break
            except Exception:
                continue
    return 0


# --------------------------------------------------------------- chunk facts

def chunk_facts(path):
    """Count, over the chunks with a valid signature, how many entries follow
    each convention the fixture writer copies from Windows; print
    'FACT<TAB>HOLDS<TAB>ALL'.  Raw bytes only."""
    import struct
    data = open(path, 'rb').read()
    facts = {}

    def count(name, holds):
        f = facts.setdefault(name, [0, 0])
        f[0] += bool(holds)
        f[1] += 1

    def hash65599(units):
        h = 0
        for u in units:
            h = (h * 65599 + u) & 0xffffffff
        return h

    for base in range(4096, len(data) - 0xffff, 0x10000):
        c = data[base:base + 0x10000]
        if c[:8] != b'ElfChnk\0':
            continue
        free = struct.unpack_from('<I', c, 48)[0]
        count('chunk flags 1', struct.unpack_from('<I', c, 120)[0] == 1)
        count('free space before the chunk end', free < 0x10000)
        for b in range(64):
            o, hops = struct.unpack_from('<I', c, 128 + 4 * b)[0], 0
            while 0 < o < 0xfff0 and hops < 1000:
                nxt, h, n = struct.unpack_from('<IHH', c, o)
                units = struct.unpack_from('<%dH' % n, c, o + 8)
                count('string hash is 65599 over UTF-16', h == hash65599(units) & 0xffff)
                count('string bucket is hash % 64', h % 64 == b)
                o, hops = nxt, hops + 1
        for b in range(32):
            o, hops = struct.unpack_from('<I', c, 384 + 4 * b)[0], 0
            while 10 <= o < 0xffe0 and hops < 1000:
                nxt = struct.unpack_from('<I', c, o)[0]
                guid = c[o + 4:o + 20]
                count('template bucket is 65599 over the GUID % 32',
                      hash65599(struct.unpack('<8H', guid)) % 32 == b)
                count('template id is the GUID prefix',
                      c[o - 10] == 0x0c and c[o - 8:o - 4] == guid[:4])
                o, hops = nxt, hops + 1
        o = 512
        while o + 24 <= free and c[o:o + 4] == b'**\0\0':
            size = struct.unpack_from('<I', c, o + 4)[0]
            if size < 28 or o + size > free:
                break
            count('record size a multiple of 8', size % 8 == 0)
            count('record ends with its size', struct.unpack_from('<I', c, o + size - 4)[0] == size)
            o += size
    for name in sorted(facts):
        print('%s\t%d\t%d' % (name, facts[name][0], facts[name][1]))
    return 0


# ------------------------------------------------------------ evtxexport XML

TOKEN = re.compile(r'<(/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(/?)>|([^<]+)',
                   re.S)
ATTR = re.compile(r'([\w:.-]+)="([^"]*)"')
ENTITY = re.compile(r'&(lt|gt|amp|quot|apos|#\d+|#x[0-9A-Fa-f]+);')


def unescape(s):
    def rep(m):
        e = m.group(1)
        if e[0] == '#':
            return chr(int(e[2:], 16) if e[1] == 'x' else int(e[1:]))
        return {'lt': '<', 'gt': '>', 'amp': '&', 'quot': '"', 'apos': "'"}[e]
    return ENTITY.sub(rep, s)


def dump_xml(text):
    """Canonicalise evtxexport -f xml output: a banner, then <Event> elements."""
    problems = 0
    stack = []
    top = Elem('')
    pos = 0
    for m in TOKEN.finditer(text):
        if m.start() != pos:
            print('xml: unparsed text at offset %d' % pos, file=sys.stderr)
            problems += 1
        pos = m.end()
        closing, name, attrs, empty, chars = m.groups()
        if chars is not None:
            if stack:
                stack[-1].text.append(unescape(chars))
            continue
        if closing:
            if not stack or stack[-1].name != name:
                print('xml: unbalanced </%s>' % name, file=sys.stderr)
                return problems + 1
            e = stack.pop()
            if e.children:  # indentation between child elements is not a value
                e.text = []
            continue
        e = Elem(name)
        for a, v in ATTR.findall(attrs):
            e.attrs[a] = unescape(v)
        (stack[-1] if stack else top).children.append(e)
        if not empty:
            stack.append(e)
    if stack:
        print('xml: unclosed <%s>' % stack[-1].name, file=sys.stderr)
        problems += 1
    for ev in top.children:
        try:
            print(record_line(ev))
        except Exception as e:
            print('xml: %s: %s' % (type(e).__name__, e), file=sys.stderr)
            problems += 1
    return problems


def main(argv):
    if len(argv) == 2 and argv[1] == '--xml':
        text = sys.stdin.buffer.read().decode('utf-8', 'surrogateescape')
        # the banner line evtxexport prints first
        text = re.sub(r'\Aevtxexport [^\n]*\n', '', text)
        return 1 if dump_xml(text) else 0
    if len(argv) == 2 and not argv[1].startswith('-'):
        return 1 if dump_pyevtx(argv[1]) else 0
    if len(argv) == 3 and argv[1] == '--chunk-facts':
        return chunk_facts(argv[2])
    if len(argv) >= 3 and argv[1] == '--signature':
        return signatures(argv[2], set(argv[3:]))
    if len(argv) == 3 and argv[1] == '--no-id-check':
        return 1 if dump_pyevtx(argv[2], id_check=False) else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.stdout.reconfigure(errors='surrogateescape')
    sys.exit(main(sys.argv))
