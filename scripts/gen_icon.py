"""Draw the module icon, static/description/icon.png (256x256), with Pillow.

A white invoice sheet with "CP" (Chorus Pro) and a check mark on the blue of the French
administration ("bleu France" #000091), with a red fold. Run from the repository root:
    .venv/bin/python scripts/gen_icon.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 256
SCALE = 4  # drawn 4x larger, then scaled down: smooth edges
BLUE = (0, 0, 145, 255)
RED = (225, 0, 15, 255)
WHITE = (255, 255, 255, 255)
GREY = (196, 200, 228, 255)
FONTS = (
    "/usr/share/fonts/truetype/lato/Lato-Black.ttf",
    "/usr/share/fonts/truetype/lato/Lato-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def main():
    s = SCALE
    img = Image.new("RGBA", (SIZE * s, SIZE * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, SIZE * s - 1, SIZE * s - 1), radius=44 * s, fill=BLUE)
    # The sheet, its top-right corner folded.
    left, top, right, bottom, fold = 58 * s, 34 * s, 198 * s, 222 * s, 38 * s
    draw.polygon(
        [(left, top), (right - fold, top), (right, top + fold), (right, bottom), (left, bottom)],
        fill=WHITE,
    )
    draw.polygon([(right - fold, top), (right - fold, top + fold), (right, top + fold)], fill=RED)
    font = next((f for f in FONTS if Path(f).exists()), None)
    font = ImageFont.truetype(font, 62 * s) if font else ImageFont.load_default()
    draw.text((left + 18 * s, top + 22 * s), "CP", font=font, fill=BLUE)
    for i, width in enumerate((104, 80, 92)):
        y = top + 104 * s + i * 18 * s
        draw.rounded_rectangle(
            (left + 20 * s, y, left + (20 + width) * s, y + 8 * s), radius=4 * s, fill=GREY
        )
    # The check mark, in a blue disc ringed with white, over the bottom-right corner.
    cx, cy, r = 190 * s, 190 * s, 42 * s
    draw.ellipse((cx - r - 7 * s, cy - r - 7 * s, cx + r + 7 * s, cy + r + 7 * s), fill=WHITE)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=BLUE)
    draw.line(
        [(cx - 20 * s, cy + 1 * s), (cx - 5 * s, cy + 16 * s), (cx + 22 * s, cy - 14 * s)],
        fill=WHITE,
        width=11 * s,
        joint="curve",
    )
    out = Path(__file__).resolve().parent.parent / "static" / "description" / "icon.png"
    img.resize((SIZE, SIZE), Image.LANCZOS).save(out, optimize=True)
    print(out)


if __name__ == "__main__":
    main()
