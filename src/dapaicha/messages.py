"""Each finding code's severity and Chinese title and template (one per code)."""

from __future__ import annotations

from dataclasses import dataclass

from dapaicha.codes import FindingCode, Severity

C = FindingCode


@dataclass(frozen=True)
class Code:
    slug: FindingCode
    severity: Severity
    title: str  # short Chinese title
    template: str  # Chinese: what was found, what is expected, how to fix ({value}, {expected}, …)


E, W = Severity.ERROR, Severity.WARNING
_BAD_NAME = "文件名不是有效的中文编码（多为压缩、解压时用错了编码），文件未读取；请改成正确的中文名后重新报送。"
_EDITED = "合并台账写出后被改动过（{detail}），未采用；请用 dapaicha merge 重新生成后再报。"
_UNSIGNED = "合并台账由旧版 dapaicha 写出，没有校验码，无法确认未被改动；已采用，请核对。"
_TWICE = (
    "{value}也在合并台账“{detail}”中，统计时只算一次（采用填报日期较新的一份，相同时采用文件名"
    "排在后的一份）；请与报送的县核实，同一个村只应在一份合并台账中。"
)
_MISPLACED_MERGED = "这是合并台账，却放在各村报送的文件夹里，其中数据一律未采用；合并台账请单独放在一个文件夹中合并。"

CODE_LIST = [
    # the file
    Code(
        C.FILE_UNREADABLE, E, "文件无法读取", "文件已损坏或不完整（{detail}），请重新保存后再报送。"
    ),
    Code(C.FILE_ENCRYPTED, E, "文件设有密码", "文件设置了打开密码，无法读取，请取消密码后再报送。"),
    Code(
        C.FILE_UNSUPPORTED,
        E,
        "文件格式不支持",
        "文件实际格式为{detail}，请在 WPS 或 Excel 中“另存为”.xlsx 后再报送。",
    ),
    Code(
        C.FILE_TOO_LARGE,
        E,
        "文件过大",
        "文件解压后约 {detail}，超过上限，疑似异常文件，请核实后重新报送。",
    ),
    Code(C.FILE_NAME_INVALID, E, "文件名编码错误", _BAD_NAME),
    Code(C.MERGED_AMONG_RETURNS, E, "合并台账混在各村报送中", _MISPLACED_MERGED),
    Code(C.MERGED_EDITED, E, "合并台账被改动过", _EDITED),
    Code(C.MERGED_UNSIGNED, W, "合并台账无校验码", _UNSIGNED),
    Code(C.MERGED_VILLAGE_TWICE, W, "同一村在几份合并台账中", _TWICE),
    Code(
        C.NOT_A_LEDGER,
        E,
        "不是整改台账",
        "未找到整改台账表格（表头应有“序号”“自查问题描述”等列），请使用下发的台账模板填报。",
    ),
    Code(
        C.SUMMARY_NOT_LEDGER,
        E,
        "汇总表不是台账",
        "这是汇总表或周报，不是台账，未读取；请报送台账（县里报市里的是合并台账"
        "“××县问题整改台账_第N期.xlsx”）。",
    ),
    Code(
        C.LEDGER_SHEET_HIDDEN,
        W,
        "台账工作表被隐藏",
        "整改台账工作表被隐藏，已照常读取，请取消隐藏。",
    ),
    Code(
        C.OTHER_LEDGER_SHEET,
        W,
        "另有台账工作表未读取",
        "这张表也是整改台账，未读取（本文件只读取“{expected}”表）；请核对：若是本村台账的副本，"
        "请把内容填在“{expected}”表并删除这张表；若是其他村的台账，各村须分别报送。",
    ),
    Code(
        C.ROW_BELOW_TABLE,
        E,
        "表格以下填有问题",
        "这一行在表格以下（签字栏下方），未读取；请把它移到表格中该项的下方（插入行），"
        "删除这一行后重新报送。",
    ),
    Code(
        C.ITEM_NO_BLANK,
        E,
        "插入行未填序号",
        "这一行没有填写序号，上一项（第{value}项）填的是“否”，无法确定问题属于哪一项；"
        "请填写序号（同一项有多个问题时，在该项下方插入行并填写相同序号）。",
    ),
    Code(
        C.CONTENT_TRUNCATED,
        E,
        "表格外有内容",
        "在可读取的范围（前 {expected}）之外还有内容，这些内容没有读取，请把它们移到表格内或删除后重新报送。",
    ),
    Code(
        C.ROWS_TRUNCATED,
        W,
        "行数过多",
        "工作表超出可读取的范围，只读取了前 {expected}，请删除多余的空行、空列后重新保存。",
    ),
    Code(
        C.FORMULA_UNREAD,
        W,
        "公式没有可读取的值",
        "这一格是公式（{value}），按空白读取；请直接填写内容（以“=”开头的文字，请在前面加英文单引号'）。",
    ),
    Code(
        C.CELL_TOO_LONG,
        W,
        "单元格文字过长",
        "单元格文字有 {detail} 字，只保留前 {expected} 字，请精简。",
    ),
    # identity
    Code(
        C.VILLAGE_UNIDENTIFIED,
        E,
        "无法确定报送村",
        "无法从台账中确定是哪个村报送的{detail}，请使用下发给本村的台账模板，或在“填报单位”写明县、乡、村全称。",
    ),
    Code(
        C.VILLAGE_NOT_IN_ROSTER,
        E,
        "村不在名册中",
        "“{value}”不在村名册中{detail}，请核对县、乡、村名称或村代码。",
    ),
    Code(
        C.IDENTITY_MISMATCH,
        E,
        "台账不是本村的",
        "{detail}：可能用了别村的台账模板，请使用下发给本村的台账重新填报。",
    ),
    Code(
        C.IDENTITY_CONFLICT, W, "村名不一致", "{detail}，以 {expected} 为准，请核对是否用错了台账。"
    ),
    Code(
        C.DUPLICATE_RETURN,
        W,
        "同一村报送多个文件",
        "本批次中该村有多个文件：{detail}，采用{expected}。",
    ),
    # the template
    Code(
        C.CHECKLIST_MISMATCH,
        E,
        "清单版本不符",
        "台账使用的排查清单（{value}）与本次行动的清单（{expected}）不一致，请使用新下发的台账模板。",
    ),
    Code(
        C.CHECKLIST_EARLIER_VERSION,
        W,
        "清单旧版本",
        "台账使用的是排查清单的“{value}”版本（现行为“{expected}”），已按现行序号读取：{detail}。",
    ),
    Code(
        C.ITEM_NOT_SEEN,
        W,
        "新增项目未排查",
        "第 {item} 项为清单修订后新增（{value}），本台账中没有，按未排查计，请下周补报。",
    ),
    Code(
        C.ITEM_REMOVED,
        W,
        "已删除项目的问题",
        "旧版清单第 {item} 项已从现行清单删除，所报问题“{value}”按原序号列出并计入问题总数。",
    ),
    Code(
        C.ITEM_TEXT_ALTERED,
        E,
        "排查内容被改动",
        "排查内容与清单原文不一致{detail}",
    ),
    Code(
        C.ITEM_MISSING,
        E,
        "缺少排查项目",
        "缺少{detail}，{expected} 项须逐项填报，请补上。",
    ),
    Code(
        C.ITEM_UNKNOWN,
        E,
        "序号不在清单中",
        "序号“{value}”不在排查清单中，请核对序号（同一项有多个问题时，插入行并填写相同序号）。",
    ),
    Code(
        C.COLUMN_MISSING,
        E,
        "缺少列",
        "表头缺少“{value}”列{detail}，请使用下发的台账模板，不要删除或改动列。",
    ),
    Code(C.COLUMN_RENAMED, W, "表头被改动", "表头“{value}”按“{expected}”读取，请恢复原表头。"),
    # the rows
    Code(C.HAS_PROBLEM_BLANK, E, "未填是否存在问题", "“是否存在问题”未填写，请填“是”或“否”。"),
    Code(
        C.HAS_PROBLEM_INVALID,
        E,
        "是否存在问题填写有误",
        "“是否存在问题”填了“{value}”，只能填“是”或“否”。",
    ),
    Code(
        C.HAS_PROBLEM_TICKS,
        E,
        "是否存在问题勾选有误",
        "“是否存在问题”分两栏勾选，{detail}；请只在其中一栏打“√”，另一栏留空。",
    ),
    Code(
        C.DESCRIPTION_MISSING,
        E,
        "缺少问题描述",
        "该项存在问题，但“自查问题描述”为空，请写明发现的问题。",
    ),
    Code(C.MEASURE_MISSING, E, "缺少整改措施", "该项存在问题，但“整改措施”为空，请写明整改措施。"),
    Code(
        C.DEADLINE_MISSING,
        E,
        "缺少整改期限",
        "该项存在问题，但“整改期限”为空，请填写日期，如 2022-04-30。",
    ),
    Code(C.OWNER_MISSING, E, "缺少责任人", "该项存在问题，但“责任人”为空，请填写责任人姓名。"),
    Code(
        C.KIND_MISSING,
        E,
        "缺少整改类型",
        "该项存在问题，但“整改类型”为空，请选择“立行立改”或“纳入整改方案”。",
    ),
    Code(
        C.KIND_INVALID,
        E,
        "整改类型填写有误",
        "“整改类型”填了“{value}”，只能选择“立行立改”或“纳入整改方案”。",
    ),
    Code(
        C.DEADLINE_AFTER_CAMPAIGN,
        E,
        "立行立改期限超出集中整改期",
        "立行立改的整改期限为 {value}，晚于集中整改结束日 {expected}，请提前期限，或改为“纳入整改方案”。",
    ),
    Code(
        C.DEADLINE_BEFORE_START,
        E,
        "整改期限早于行动开始",
        "整改期限 {value} 早于行动开始日 {expected}，请核对日期。",
    ),
    Code(
        C.DEADLINE_INVALID,
        E,
        "整改期限不是日期",
        "整改期限“{value}”无法识别为日期，请填写如 2022-04-30 的日期。",
    ),
    Code(
        C.DEADLINE_AMBIGUOUS,
        E,
        "整改期限有歧义",
        "整改期限“{value}”{detail}，请填写如 2022-04-30 的日期。",
    ),
    Code(
        C.DEADLINE_READ_AS_PLAN,
        W,
        "期限超出集中整改期，按纳入整改方案处理",
        "整改期限 {value} 晚于集中整改结束日 {expected}，已按“纳入整改方案”统计，请核实。",
    ),
    Code(
        C.RESULT_MISSING,
        W,
        "未填整改结果",
        "该项存在问题，但“整改结果”为空，请选择“已整改”“正在整改”或“未整改”。",
    ),
    Code(
        C.RESULT_INVALID,
        E,
        "整改结果填写有误",
        "“整改结果”填了“{value}”，只能选择“已整改”“正在整改”或“未整改”。",
    ),
    Code(
        C.DONE_DATE_MISSING,
        E,
        "已整改缺少完成时间",
        "整改结果为“已整改”，但“完成时间”为空，请填写完成日期。",
    ),
    Code(
        C.DONE_DATE_INVALID,
        E,
        "完成时间不是日期",
        "完成时间“{value}”无法识别为日期，请填写如 2022-04-20 的日期。",
    ),
    Code(
        C.DONE_DATE_AMBIGUOUS,
        E,
        "完成时间有歧义",
        "完成时间“{value}”{detail}，请填写如 2022-04-20 的日期。",
    ),
    Code(
        C.DONE_DATE_AFTER_REPORT,
        E,
        "完成时间晚于填报日期",
        "完成时间 {value} 晚于填报日期 {expected}，请核对。",
    ),
    Code(
        C.DONE_DATE_BEFORE_START,
        W,
        "完成时间早于行动开始",
        "完成时间 {value} 早于行动开始日 {expected}，是否年份或月份写错？请核对。",
    ),
    Code(
        C.DONE_DATE_NOT_DONE,
        W,
        "未整改却填了完成时间",
        "整改结果不是“已整改”，却填了完成时间 {value}，请核对。",
    ),
    Code(
        C.NO_PROBLEM_FILLED,
        W,
        "无问题却填了内容",
        "“是否存在问题”为“否”，但该行填了{detail}，请核对：有问题请改为“是”，无问题请清空。",
    ),
    Code(
        C.PROBLEM_REPEATED,
        W,
        "问题重复填写",
        "这一行与第{expected}行内容相同，疑似重复填写（两行都计为问题）：同一问题请删除一行。",
    ),
    Code(
        C.PROBLEMS_IN_ONE_ROW,
        W,
        "一行填了多个问题",
        "自查问题描述编号列出了{value}个问题，统计时只算一个：请每个问题单独一行（在该项下方插入行，填写相同序号）。",
    ),
    Code(
        C.TABLE_REPEATED,
        W,
        "表格重复粘贴",
        "自第{value}行起，表格从第{expected}项起又重复了一遍，与上面完全相同，重复部分未读取；请删除重复的部分。",
    ),
    Code(
        C.TABLE_REPEATED_CHANGED,
        E,
        "表格重复粘贴且内容不同",
        "自第{value}行起，表格从第{expected}项起又重复了一遍，且与上面填写的不同，无法确定以哪份为准；请只保留一份。",
    ),
    Code(C.REPORT_DATE_MISSING, E, "缺少填报日期", "“填报日期”未填写，请填写报送当天的日期。"),
    Code(
        C.REPORT_DATE_INVALID,
        E,
        "填报日期不是日期",
        "填报日期“{value}”无法识别为日期，请填写如 2022-03-30 的日期。",
    ),
    Code(
        C.REPORT_DATE_OUT_OF_CAMPAIGN,
        W,
        "填报日期不在行动期内",
        "填报日期 {value} {detail} {expected}，请核对。",
    ),
    Code(
        C.SIGNER_MISSING,
        E,
        "缺少签字人",
        "“{value}”姓名未填写：通知要求村级责任组组长、第一书记、村支部书记签字背书，请填写姓名。",
    ),
    # periods and history
    Code(C.LATE_RETURN, W, "逾期报送", "填报日期 {value} 晚于第{detail}期截止日 {expected}。"),
    Code(C.RECEIVED_LATE, W, "逾期报送", "{value} 收到，晚于第{detail}期截止日 {expected}。"),
    Code(
        C.REPORT_DATE_DOUBTFUL,
        W,
        "填报日期存疑",
        "填报日期 {value} {detail}（{expected} 收到），可能填错或倒签，请核对。",
    ),
    Code(
        C.SAME_FILE_OTHER_PERIOD,
        W,
        "与往期文件相同",
        "与第{detail}期已入库的文件完全相同，不计入第{expected}期，请村里报送本期台账。",
    ),
    Code(
        C.REPORT_DATE_OTHER_PERIOD,
        W,
        "填报日期不在本期",
        "填报日期 {value} 属于第{detail}期，本批按第{expected}期处理，请核对。",
    ),
    Code(
        C.PROBLEM_VANISHED,
        W,
        "上期问题本期消失",
        "上期报告的问题（{value}）本期不见了，且未标为“已整改”，请核对。",
    ),
    Code(C.RESULT_REGRESSED, W, "整改结果倒退", "整改结果由“{value}”变为“{expected}”，请核对。"),
    Code(
        C.DEADLINE_POSTPONED,
        W,
        "整改期限推迟",
        "整改期限由 {value} 推迟到 {expected}，备注未说明原因，请在备注中写明。",
    ),
    Code(
        C.SUPERSEDED, W, "已被新报送替代", "同一期已收到更新的报送（{detail}），本文件已不再采用。"
    ),
    Code(
        C.REJECTED_KEPT_PREVIOUS,
        W,
        "这份报送未通过，采用已通过的报送",
        "这份报送未通过校验，仍采用该村已通过的报送（{detail}）。",
    ),
]
