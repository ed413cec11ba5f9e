"""Writers: report.json (the public contract), report.html, transcript.vtt and .srt."""
