"""The commented settings file written on first run."""

from __future__ import annotations

__all__ = ["SETTINGS_TEMPLATE"]

SETTINGS_TEMPLATE = """\
# tabwise settings. Edit freely: tabwise never rewrites this file.
# "$VAR" / "${VAR}" values are read from the environment when used and never stored.
# Check it with: tabwise config check

[ai]
# New tabs start with this provider and model. F2 switches the model of one tab only.
default_provider = "openai"
default_model = "gpt-4.1-mini"

# One table per provider. Built-in names need no `kind`:
#   openai, anthropic, gemini, ollama, openrouter, groq, mistral, xai, deepseek
# A built-in provider with no table reads its usual key variable (OPENAI_API_KEY, ...).

[ai.openai]
api_key = "$OPENAI_API_KEY"
# base_url = "https://api.openai.com/v1"
# models = ["gpt-4.1", "gpt-4.1-mini"]    # added to the model picker
# timeout_seconds = 120                   # give up when the provider is silent this long
# max_retries = 2                         # retries of 429/5xx answers

# [ai.anthropic]
# api_key = "$ANTHROPIC_API_KEY"

# [ai.ollama]
# base_url = "http://localhost:11434"

# Any other name is a custom provider and needs `kind`
# ("openai-compatible" = a chat-completions API at base_url):
# [ai.local]
# kind = "openai-compatible"
# base_url = "http://127.0.0.1:8000/v1"
# api_key = "$LOCAL_KEY"                  # optional for local servers
# models = ["qwen2.5-coder"]
# context_windows = { "qwen2.5-coder" = 32768 }

[agent]
approval = "ask"            # ask | auto-read (reads never ask) | auto (never ask)
always_allow = ["read_file", "list_directory", "search_files"]
never_allow = []
approval_timeout_seconds = 300
max_tool_iterations = 50
# Added to every tab's agent, with AGENTS.md (else CLAUDE.md) found from the tab's
# current directory up to the repository root or $HOME:
# instructions = "Answer in British English."

[context]
warning_threshold = 0.75
compaction_threshold = 0.85

[sessions]
persist = true
restore_on_start = true
retention_days = 30         # closed sessions older than this are purged; 0 = keep

[terminal]
shell = ""                  # empty: $SHELL, else /bin/sh
scrollback = 10000          # lines of history kept per tab
shell_integration = true    # bash/zsh/fish report their directory, so the agent follows cd

# [keys]                    # app shortcuts (Textual key names); "" turns one off
# model_picker = "f2"
# palette = "f1"
# focus = "f3"
# new_tab = "alt+t"
# close_tab = "alt+w"
# quit = "f10"
# previous_tab = "alt+left"
# next_tab = "alt+right"
# escape_chord = "ctrl+f12" # leaves a full-screen program, which gets every other key
"""
