"""typer and click in Chinese: help texts, and usage errors as one Chinese line.

Only public API: typer.rich_utils' texts, a command class (typer.core) whose help option
says 显示帮助并退出。, and click's exceptions recognised by class name, so the same code
works whether typer brings click along or bundles its own copy.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperCommand, TyperGroup

HELP_TEXT = "显示帮助并退出。"


def zh_texts() -> None:
    """typer.rich_utils' texts in Chinese, set before typer draws a help or an error: imported
    then, not at start-up (rich's markdown with it; issue 20, tests/test_house.py LAZY_IMPORTS)."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.ABORTED_TEXT = "已取消。"
    rich_utils.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看说明。"


def _zh_help(option: Any) -> Any:
    if option is not None:
        option.help = HELP_TEXT
    return option


class ZhCommand(TyperCommand):
    """A command whose -h/--help option is described in Chinese."""

    def get_help_option(self, ctx: Any) -> Any:
        return _zh_help(super().get_help_option(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        zh_texts()
        super().format_help(ctx, formatter)


class ZhGroup(TyperGroup):
    """A group whose -h/--help option is described in Chinese."""

    def get_help_option(self, ctx: Any) -> Any:
        return _zh_help(super().get_help_option(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        zh_texts()
        super().format_help(ctx, formatter)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True):  # typer draws usage errors and aborts itself
            zh_texts()
        return super().main(*args, **kwargs)


def kinds(err: BaseException) -> set[str]:
    """The exception's class names up its hierarchy (click's live in typer or in click)."""
    return {c.__name__ for c in type(err).__mro__}


def is_click_error(err: BaseException) -> bool:
    return "ClickException" in kinds(err)


_USAGE_ZH = (  # (pattern of click's message, Chinese), {0} = the first group; case-insensitive
    (r"No such command '(.*)'\.?", "没有命令“{0}”"),
    (r"Missing command\.?", "缺少命令"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", "多余的参数：{0}"),
    (r"Option '(.*)' requires (?:an argument|\d+ arguments)\.?", "选项 {0} 后面缺少值"),
    (r"Option '(.*)' does not take a value\.?", "选项 {0} 不带值"),
    (r"(?:Value )?'?(.*?)'? is not a valid (?:int|integer)\.?", "“{0}”不是整数"),
    (r"(?:Value )?'?(.*?)'? is not a valid float\.?", "“{0}”不是数字"),
    (r"Input should be a valid integer.*", "应为整数"),
    (r"Input should be a valid number.*", "应为数字"),
    (r"(?:Path|File|Directory) '(.*)' does not exist\.?", "“{0}”不存在"),
    (r"(?:Path|File) '(.*)' is a directory\.?", "“{0}”是文件夹，应为文件"),
    (r"(?:Path|Directory) '(.*)' is a file\.?", "“{0}”是文件，应为文件夹"),
)


def _message(msg: str) -> str | None:
    for pat, text in _USAGE_ZH:
        m = re.fullmatch(pat, msg.strip(), re.IGNORECASE | re.DOTALL)
        if m:
            return text.format(*m.groups())
    return None


def _hint(err: Any) -> str:
    param = getattr(err, "param", None)
    if param is None:
        return ""
    try:
        return str(param.get_error_hint())
    except TypeError:  # pragma: no cover - click's own signature takes ctx
        return str(param.get_error_hint(err.ctx))


def usage_line(err: Exception) -> str | None:
    """A click usage error as one Chinese line (None: no translation, show click's own)."""
    kind = kinds(err)
    if "NoArgsIsHelpError" in kind or "UsageError" not in kind:
        return None
    e: Any = err
    tail = f"运行 {e.ctx.command_path} -h 查看用法。" if e.ctx is not None else ""
    if "NoSuchOption" in kind:
        near = f"（是否想用 {'、'.join(sorted(e.possibilities))}？）" if e.possibilities else ""
        return f"没有选项 {e.option_name}{near}。{tail}"
    hint = _hint(e)
    if "MissingParameter" in kind:
        what = "参数" if getattr(e.param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{what} {hint}。{tail}" if hint else f"缺少参数。{tail}"
    if "BadParameter" in kind:
        msg = _message(e.message) or e.message.strip().rstrip(".")
        return f"{hint} 的值无效：{msg}。{tail}" if hint else f"值无效：{msg}。{tail}"
    line = _message(e.message)
    return f"{line}。{tail}" if line else None
