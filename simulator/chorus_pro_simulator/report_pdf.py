"""A small, valid, dependency-free PDF: the flow processing report of consulterCR."""


def _escape(text):
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return text.encode("cp1252", errors="replace")


def _wrap(line, width=95):
    out = []
    while len(line) > width:
        cut = line.rfind(" ", 4, width)
        if cut <= 4:
            cut = width
        out.append(line[:cut])
        line = "   " + line[cut:].lstrip()
    out.append(line)
    return out


def build_pdf(title, lines):
    """One or more A4 pages of Helvetica text (WinAnsi encoding)."""
    wrapped = []
    for line in lines:
        wrapped.extend(_wrap(line))
    per_page = 60
    pages = [wrapped[i : i + per_page] for i in range(0, len(wrapped), per_page)] or [[]]

    objects = []  # index i -> object number i + 1

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_obj = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    font_bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for number, page_lines in enumerate(pages, start=1):
        stream = [
            b"BT",
            b"/F2 14 Tf",
            b"50 800 Td",
            b"(" + _escape(title) + b") Tj",
            b"/F1 9 Tf",
            b"0 -24 Td",
            b"12 TL",
        ]
        for line in page_lines:
            stream.append(b"(" + _escape(line) + b") Tj T*")
        stream.append(b"ET")
        stream.append(
            b"BT /F1 8 Tf 50 30 Td ("
            + _escape(f"Page {number}/{len(pages)} - Chorus Pro (simulateur)")
            + b") Tj ET"
        )
        content = b"\n".join(stream)
        content_id = add(
            b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream"
        )
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 {font} 0 R /F2 {font_bold} 0 R >> >> "
                f"/Contents {content_id} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects[pages_obj - 1] = (f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>").encode()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)
