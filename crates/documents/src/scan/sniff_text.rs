//! Text that runs. Scripts have no magic bytes, so these are heuristics over the head of a
//! file already known to be text: markers that a scanned document's text would not carry.
//! Whatever is text but not a script is refused too (as plain text), so a miss here changes
//! only the reason given, never whether the file is stored.

use super::sniff::Refusal;

pub(super) fn classify(text: &str) -> Refusal {
    let lower = text.to_lowercase();
    let t = lower.trim_start();
    let script = |what: &str| Refusal::Script { what: what.into() };
    if t.starts_with("#!") {
        return script("a script (it starts with #!)");
    }
    if lower.contains("<?php") {
        return script("a PHP script");
    }
    if lower.contains("<svg") {
        return script("an SVG image, which can carry scripts");
    }
    if t.starts_with("<!doctype html")
        || ["<html", "<script", "<iframe", "<body", "<hta:application"]
            .iter()
            .any(|m| lower.contains(m))
    {
        return script("a web page (HTML)");
    }
    if is_batch(t) {
        return script("a Windows batch file");
    }
    if hits(
        &lower,
        &[
            "invoke-expression",
            "iex(",
            "iex (",
            "-encodedcommand",
            "net.webclient",
            "downloadstring(",
            "start-process",
            "set-executionpolicy",
            "frombase64string(",
            "invoke-webrequest",
        ],
    ) >= 1
    {
        return script("a PowerShell script");
    }
    if hits(
        &lower,
        &[
            "createobject(",
            "wscript.",
            "on error resume next",
            "end sub",
            "end function",
        ],
    ) >= 1
    {
        return script("a VBScript file");
    }
    let strong_js = hits(
        &lower,
        &[
            "eval(",
            "activexobject",
            "document.write",
            "window.location",
            "fromcharcode",
            "unescape(",
        ],
    );
    let weak_js = hits(
        &lower,
        &[
            "function(",
            "function ",
            "=>",
            "var ",
            "const ",
            "let ",
            "require(",
            "});",
        ],
    );
    if strong_js >= 1 || weak_js >= 3 {
        return script("a JavaScript file");
    }
    if t.starts_with("<?xml") {
        return Refusal::Unsupported {
            what: "an XML file".into(),
        };
    }
    Refusal::Unsupported {
        what: "a plain text file".into(),
    }
}

/// How many of `markers` occur.
fn hits(text: &str, markers: &[&str]) -> usize {
    markers.iter().filter(|m| text.contains(*m)).count()
}

/// A batch file's usual first lines.
fn is_batch(t: &str) -> bool {
    let first = t.lines().next().unwrap_or("").trim();
    first.starts_with("@echo")
        || first.starts_with("echo off")
        || first.starts_with("rem ")
        || t.contains("%comspec%")
        || t.lines().any(|l| {
            l.trim_start().starts_with("cmd /c") || l.trim_start().starts_with("cmd.exe /c")
        })
}
