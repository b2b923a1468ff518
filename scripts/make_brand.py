"""Draw CamHub's brand images (icon and logo) into custom_components/camhub/brand/.

Run with the project's venv: `.venv/bin/python scripts/make_brand.py`. The PNGs are committed;
this script is how they were made, so anyone can redraw them.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "camhub" / "brand"
BLUE = (3, 105, 161, 255)
LIGHT = (224, 242, 254, 255)
DARK_TEXT = (15, 23, 42, 255)
LIGHT_TEXT = (241, 245, 249, 255)


def icon(size: int) -> Image.Image:
    """A rounded blue tile with a camera body, lens and a hub dot."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size / 256
    draw.rounded_rectangle((8 * s, 8 * s, 248 * s, 248 * s), radius=48 * s, fill=BLUE)
    draw.rounded_rectangle((44 * s, 84 * s, 172 * s, 180 * s), radius=18 * s, fill=LIGHT)
    draw.polygon(
        [(172 * s, 112 * s), (216 * s, 88 * s), (216 * s, 176 * s), (172 * s, 152 * s)], fill=LIGHT
    )
    draw.ellipse((78 * s, 102 * s, 138 * s, 162 * s), fill=BLUE)
    draw.ellipse((94 * s, 118 * s, 122 * s, 146 * s), fill=LIGHT)
    draw.ellipse((148 * s, 96 * s, 162 * s, 110 * s), fill=(248, 113, 113, 255))
    return image


def logo(height: int, text_color: tuple[int, int, int, int]) -> Image.Image:
    """The icon followed by the word CamHub."""
    font = ImageFont.load_default(size=int(height * 0.55))
    width = (
        height
        + int(ImageDraw.Draw(Image.new("RGBA", (1, 1))).textlength("CamHub", font=font))
        + height // 3
    )
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste(icon(height), (0, 0))
    draw = ImageDraw.Draw(image)
    draw.text(
        (height + height // 6, height // 2), "CamHub", font=font, fill=text_color, anchor="lm"
    )
    return image


def main() -> None:
    """Write every brand image."""
    BRAND.mkdir(parents=True, exist_ok=True)
    icon(256).save(BRAND / "icon.png", optimize=True)
    icon(512).save(BRAND / "icon@2x.png", optimize=True)
    logo(128, DARK_TEXT).save(BRAND / "logo.png", optimize=True)
    logo(256, DARK_TEXT).save(BRAND / "logo@2x.png", optimize=True)
    logo(128, LIGHT_TEXT).save(BRAND / "dark_logo.png", optimize=True)
    logo(256, LIGHT_TEXT).save(BRAND / "dark_logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
