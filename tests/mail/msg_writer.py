"""A small writer of Outlook .msg files for the tests, built on the compound-file
structure olefile reads ([MS-CFB] version 3: 512-byte sectors, a FAT, a directory,
and a mini stream for streams under 4096 bytes) and the .msg layout ([MS-OXMSG]).

Not a general writer: one DIFAT in the header (up to 109 FAT sectors, about 7 MB),
all directory entries black. Enough to make real .msg files a reader must parse.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


@dataclass
class Node:
    name: str
    data: bytes | None = None  # None: a storage
    children: list[Node] = field(default_factory=list)

    def add(self, child: Node) -> Node:
        self.children.append(child)
        return child


def _key(node: Node) -> tuple[int, str]:
    return (len(node.name), node.name.upper())


def compound_file(root_children: list[Node]) -> bytes:
    """The bytes of a compound file whose root storage holds ``root_children``."""
    root = Node("Root Entry", None, root_children)
    entries: list[Node] = []

    def number(node: Node) -> None:
        entries.append(node)
        for child in node.children:
            number(child)

    number(root)
    index = {id(n): i for i, n in enumerate(entries)}

    # Siblings as a balanced binary search tree (MS-CFB's order: length, then upper case).
    left = [NOSTREAM] * len(entries)
    right = [NOSTREAM] * len(entries)
    child = [NOSTREAM] * len(entries)

    def tree(nodes: list[Node]) -> int:
        if not nodes:
            return NOSTREAM
        mid = len(nodes) // 2
        i = index[id(nodes[mid])]
        left[i] = tree(nodes[:mid])
        right[i] = tree(nodes[mid + 1:])
        return i

    for node in entries:
        if node.data is None:
            child[index[id(node)]] = tree(sorted(node.children, key=_key))

    # Small streams go into the mini stream, large ones into their own sectors.
    mini = bytearray()
    minifat: list[int] = []
    start = [END] * len(entries)
    big: list[tuple[int, bytes]] = []
    for i, node in enumerate(entries):
        if node.data is None or not node.data:
            continue
        if len(node.data) < CUTOFF:
            first = len(mini) // MINI
            count = -(-len(node.data) // MINI)
            start[i] = first
            minifat.extend(list(range(first + 1, first + count)) + [END])
            mini += node.data + b"\0" * (count * MINI - len(node.data))
        else:
            big.append((i, node.data))

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // SECTOR)

    dir_bytes = len(entries) * 128
    n_dir = sectors(dir_bytes)
    n_mini = sectors(len(mini))
    n_minifat = sectors(len(minifat) * 4)
    n_big = sum(sectors(len(d)) for _, d in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_mini + n_minifat + n_big:
        n_fat += 1
    assert n_fat <= 109, "too large for this small writer"

    fat: list[int] = [FATSECT] * n_fat
    body = bytearray()

    def chain(data: bytes) -> int:
        count = sectors(len(data))
        if count == 0:
            return END
        first = len(fat)
        fat.extend(list(range(first + 1, first + count)) + [END])
        body.extend(data + b"\0" * (count * SECTOR - len(data)))
        return first

    dir_start = len(fat)
    fat.extend(list(range(dir_start + 1, dir_start + n_dir)) + [END])
    dir_slot = len(body)
    body.extend(b"\0" * (n_dir * SECTOR))
    mini_start = chain(bytes(mini))
    minifat_start = chain(b"".join(struct.pack("<I", v) for v in minifat)) if minifat else END
    for i, data in big:
        start[i] = chain(data)
    fat.extend([FREE] * (n_fat * (SECTOR // 4) - len(fat)))

    directory = bytearray()
    for i, node in enumerate(entries):
        name = node.name.encode("utf-16-le")
        assert len(name) <= 62, node.name
        kind = 5 if i == 0 else (1 if node.data is None else 2)
        if i == 0:
            first, size = (mini_start if mini else END), len(mini)
        elif node.data is None:
            first, size = 0, 0
        else:
            first, size = start[i], len(node.data)
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name + b"\0\0", len(name) + 2, kind, 1, left[i], right[i], child[i], b"\0" * 16, 0, 0, 0, first, size,
        )
    directory += b"\0" * (n_dir * SECTOR - len(directory))
    # Unused directory slots are empty entries with no siblings.
    for slot in range(len(entries), n_dir * SECTOR // 128):
        struct.pack_into("<III", directory, slot * 128 + 68, NOSTREAM, NOSTREAM, NOSTREAM)
    body[dir_slot:dir_slot + len(directory)] = directory

    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x003E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, n_fat, dir_start, 0, CUTOFF, minifat_start, n_minifat, END, 0,
    ) + b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == SECTOR
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    return bytes(header) + fat_bytes + bytes(body)


# -- .msg -------------------------------------------------------------------------------


def _filetime(moment: datetime) -> int:
    return int((moment - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


def _props(header: int, fixed: dict[int, tuple[int, int]], variable: list[tuple[int, int, int]]) -> bytes:
    """``__properties_version1.0``: the header, then one 16-byte entry a property."""
    out = bytearray(b"\0" * header)
    for pid, (ptype, value) in fixed.items():
        out += struct.pack("<HHIQ", ptype, pid, 6, value)
    for pid, ptype, size in variable:
        out += struct.pack("<HHII4x", ptype, pid, 6, size)
    return bytes(out)


@dataclass
class MsgFile:
    """A file attached by value, or an email attached as an item (``message``)."""

    name: str
    data: bytes = b""
    message: Msg | None = None


@dataclass
class Msg:
    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    addrtype: str = "SMTP"
    smtp_address: str | None = None  # PR_SENDER_SMTP_ADDRESS, for an Exchange sender
    sent: datetime | None = None
    message_id: str | None = None
    headers: str | None = None  # the internet headers of a received email
    body: str = ""
    attachments: list[MsgFile] = field(default_factory=list)
    eight_bit: bool = False  # strings as 001E (old Outlook) instead of 001F

    def nodes(self, header: int) -> list[Node]:
        out: list[Node] = []
        variable: list[tuple[int, int, int]] = []
        fixed: dict[int, tuple[int, int]] = {}

        def text(pid: int, value: str | None) -> None:
            if value is None:
                return
            if self.eight_bit:
                data, ptype = value.encode("cp1252") + b"\0", 0x001E
            else:
                data, ptype = value.encode("utf-16-le") + b"\0\0", 0x001F
            out.append(Node(f"__substg1.0_{pid:04X}{ptype:04X}", data))
            variable.append((pid, ptype, len(data)))

        text(0x001A, "IPM.Note")
        text(0x0037, self.subject)
        text(0x0C1A, self.sender_name or self.sender)
        text(0x0C1E, self.addrtype)
        text(0x0C1F, self.sender)
        text(0x5D01, self.smtp_address)
        text(0x1000, self.body)
        text(0x1035, self.message_id)
        text(0x007D, self.headers)
        if self.sent:
            fixed[0x0039] = (0x0040, _filetime(self.sent))
        fixed[0x3FFD] = (0x0003, 1252)
        for n, att in enumerate(self.attachments):
            storage = Node(f"__attach_version1.0_#{n:08X}")
            a_fixed: dict[int, tuple[int, int]] = {0x0E21: (0x0003, n)}
            a_var: list[tuple[int, int, int]] = []
            name = att.name.encode("utf-16-le") + b"\0\0"
            storage.add(Node("__substg1.0_3707001F", name))
            a_var.append((0x3707, 0x001F, len(name)))
            if att.message is not None:
                a_fixed[0x3705] = (0x0003, 5)
                inner = storage.add(Node("__substg1.0_3701000D"))
                inner.children.extend(att.message.nodes(24))
            else:
                a_fixed[0x3705] = (0x0003, 1)
                storage.add(Node("__substg1.0_37010102", att.data))
                a_var.append((0x3701, 0x0102, len(att.data)))
            storage.add(Node("__properties_version1.0", _props(8, a_fixed, a_var)))
            out.append(storage)
        out.append(Node("__properties_version1.0", _props(header, fixed, variable)))
        if header == 32:
            out.append(Node("__nameid_version1.0", None, [
                Node("__substg1.0_00020102", b""), Node("__substg1.0_00030102", b""),
                Node("__substg1.0_00040102", b""),
            ]))
        return out

    def to_bytes(self) -> bytes:
        return compound_file(self.nodes(32))
