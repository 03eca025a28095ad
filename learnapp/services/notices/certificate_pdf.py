"""Services: render a certificate as a real PDF (reportlab), with a QR code to its public verify page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

ACCENT = HexColor("#3E63DD")
INK = HexColor("#1C2024")
MUTED = HexColor("#60646C")


@dataclass(frozen=True)
class CertificateText:
    learner_name: str
    title: str
    kind: str  # "course" or "pathway"
    completed_on: date
    code: str
    verify_url: str


def render_certificate(text: CertificateText) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"Certificate: {text.title}")
    pdf.setAuthor("learnapp")
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setFillColor(ACCENT)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(width / 2, height - 110, "LEARNAPP · CERTIFICATE OF COMPLETION")
    pdf.setFillColor(MUTED)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 170, "This certifies that")
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica-Bold", 34)
    pdf.drawCentredString(width / 2, height - 220, text.learner_name)
    pdf.setFillColor(MUTED)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 262, f"has completed the {text.kind}")
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawCentredString(width / 2, height - 305, text.title)
    pdf.setFillColor(MUTED)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 345, f"on {text.completed_on.strftime('%-d %B %Y')}")
    _qr(pdf, text.verify_url, width - 190, 60)
    pdf.setFont("Helvetica", 11)
    pdf.drawString(70, 96, f"Verification code: {text.code}")
    pdf.drawString(70, 78, f"Check it at {text.verify_url}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _qr(pdf: Canvas, url: str, x: float, y: float, size: float = 120) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)
