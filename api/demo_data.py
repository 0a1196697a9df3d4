"""The people, places and topics of the demo county (Simplified Chinese, invented names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitSeed:
    code: str
    name: str
    unit_class: str
    approver: str  # the name of the unit's approver (审核签发人)
    topics: tuple[str, ...]


@dataclass(frozen=True)
class OutletSeed:
    code: str
    name: str
    channel: str
    level: str


UNITS = (
    UnitSeed("u01", "县委办公室", "A类", "冯德胜",
             ("督查督办工作", "基层减负", "机关作风建设", "机关效能提升", "重大决策部署落实")),
    UnitSeed("u02", "县发展和改革局", "A类", "潘立新",
             ("重点项目建设", "营商环境优化", "民营经济发展", "粮食安全储备", "项目审批提速")),
    UnitSeed("u03", "县教育局", "B类", "蒋文华",
             ("义务教育优质均衡发展", "校园安全管理", "“双减”政策落实", "乡村教师队伍建设",
              "职业教育产教融合")),
    UnitSeed("u04", "县卫生健康局", "B类", "曹淑芬",
             ("家庭医生签约服务", "县域医共体建设", "基层医疗服务能力提升", "传染病防控",
              "老年健康服务")),
    UnitSeed("u05", "县农业农村局", "B类", "袁春生",
             ("春耕备耕", "高标准农田建设", "特色产业发展", "农村人居环境整治", "秋粮收购")),
    UnitSeed("u06", "城关镇", "A类", "邓海燕",
             ("老旧小区改造", "网格化社会治理", "文明城市创建", "社区居家养老服务",
              "背街小巷整治")),
    UnitSeed("u07", "河口镇", "B类", "彭长青",
             ("乡村振兴示范村建设", "防汛抗旱", "村集体经济发展", "河长制落实", "乡村旅游")),
    UnitSeed("u08", "县公安局", "A类", "吕永刚",
             ("电信网络诈骗防范", "道路交通安全整治", "新时代“枫桥经验”实践", "扫黑除恶常态化",
              "平安乡村建设")),
)

#: (officer code, name, unit code); four in the office, three in every other unit.
OFFICERS = (
    ("o01", "张伟", "u01"), ("o02", "王芳", "u01"), ("o03", "李娜", "u01"), ("o04", "刘洋", "u01"),
    ("o05", "陈静", "u02"), ("o06", "杨磊", "u02"), ("o07", "赵敏", "u02"),
    ("o08", "黄晓东", "u03"), ("o09", "周婷", "u03"), ("o10", "吴建华", "u03"),
    ("o11", "徐丽", "u04"), ("o12", "孙强", "u04"), ("o13", "胡晓燕", "u04"),
    ("o14", "朱军", "u05"), ("o15", "高峰", "u05"), ("o16", "林秀英", "u05"),
    ("o17", "何丽娟", "u06"), ("o18", "郭鹏", "u06"), ("o19", "马俊", "u06"),
    ("o20", "罗慧", "u07"), ("o21", "梁志刚", "u07"), ("o22", "宋佳", "u07"),
    ("o23", "郑欣怡", "u08"), ("o24", "谢文博", "u08"), ("o25", "韩雪", "u08"),
)

#: The office's own accounts: (username, name, role).
STAFF = (
    ("admin", "钱志明", "administrator"),
    ("editor", "沈晓玲", "editor"),
    ("auditor", "许国平", "auditor"),
    ("leader", "魏建军", "leader"),
)

OUTLETS = (
    OutletSeed("info-state-council", "国务院办公厅", "info", "national"),
    OutletSeed("info-province-party", "省委办公厅", "info", "provincial"),
    OutletSeed("info-province-government", "省政府办公厅", "info", "provincial"),
    OutletSeed("info-city-party", "市委办公室", "info", "city"),
    OutletSeed("info-city-government", "市政府办公室", "info", "city"),
    OutletSeed("info-county", "县委办公室信息科", "info", "county"),
    OutletSeed("media-peoples-daily", "人民日报", "publicity", "national"),
    OutletSeed("media-xinhua", "新华社", "publicity", "national"),
    OutletSeed("media-province-daily", "省日报", "publicity", "provincial"),
    OutletSeed("media-city-daily", "市日报", "publicity", "city"),
    OutletSeed("media-city-tv", "市电视台", "publicity", "city"),
    OutletSeed("media-county-centre", "县融媒体中心", "publicity", "county"),
)

#: Title patterns per channel and category; {unit}, {topic} and {month} are filled in.
TITLES = {
    ("info", "new_measure"): (
        "{unit}出台五项措施推进{topic}",
        "{unit}创新工作机制推动{topic}提质增效",
        "我县多措并举抓好{topic}",
        "{unit}探索“清单化”管理推进{topic}",
    ),
    ("info", "important_situation"): (
        "{unit}反映{topic}中存在的突出问题及建议",
        "关于{topic}面临困难的情况报告",
        "{month}月以来{topic}出现的新情况值得关注",
    ),
    ("info", "typical_experience"): (
        "{unit}“三个坚持”做好{topic}",
        "{topic}的经验做法",
        "{unit}以“小切口”推动{topic}取得实效",
    ),
    ("info", "other"): (
        "{unit}召开{topic}推进会",
        "{unit}{month}月份{topic}工作动态",
        "{unit}部署下阶段{topic}重点任务",
    ),
    ("publicity", "new_measure"): (
        "{topic}跑出“加速度”",
        "{unit}：新举措让{topic}更有温度",
    ),
    ("publicity", "important_situation"): (
        "直面难题 {unit}全力破解{topic}堵点",
        "聚焦{topic}中的群众急难愁盼",
    ),
    ("publicity", "typical_experience"): (
        "走进{unit}：看{topic}的新变化",
        "{topic}的“{unit}样本”",
    ),
    ("publicity", "other"): (
        "{unit}扎实开展{topic}",
        "{month}月，{unit}{topic}见行见效",
        "{topic}让群众得实惠",
    ),
}

LEADERS = {
    "national": ("国务院领导同志",),
    "provincial": ("省委主要领导", "省政府主要领导", "常务副省长"),
    "city": ("市委书记", "市长", "分管副市长"),
    "county": ("县委书记", "县长", "常务副县长"),
}

INSTRUCTION_TEXTS = (
    "此件反映的做法很好，请认真总结，推广经验。",
    "所反映问题要高度重视，请相关部门研究提出解决办法。",
    "请结合实际抓好落实，及时报告进展情况。",
    "经验值得借鉴，请进一步完善并形成长效机制。",
)

FEEDBACK_TEXTS = (
    "已按批示要求召开专题会议研究落实，形成工作方案并报送。",
    "已组织相关单位逐项整改，整改情况书面报告。",
    "已在全县范围推广相关做法，并建立月调度机制。",
)

RETURN_REASONS = (
    "数据口径需与统计部门核对后再报",
    "标题不够精炼，请压缩篇幅、突出新举措",
    "缺少具体成效数据，请补充后重新报送",
)

WITHDRAW_REASONS = (
    "与已报信息内容重复，主动撤回",
    "相关工作尚未完成，待有实效后再报",
)

DECLINE_REASONS = ("内容时效性不足", "同类信息已采用", "")

RETRACTION_REASON = "经核实，稿件所引用数据与统计部门口径不一致，采用单位通知撤销采用"

TRANSFER = ("o12", "u01", "2025-07-01", "工作调动：抽调至县委办公室信息科")

#: Commissions (约稿): (ref, topic, units, issued on, deadline, units that let it lapse).
COMMISSIONS = (
    ("yg-2025-01", "一季度经济运行和重点项目进展情况", ("u02", "u06", "u07"),
     "2025-03-20", "2025-04-03", ()),
    ("yg-2025-02", "防汛备汛工作开展情况", ("u05", "u07", "u08"),
     "2025-06-09", "2025-06-20", ()),
    ("yg-2025-03", "秋季学期开学和校园安全工作", ("u03", "u08"),
     "2025-08-18", "2025-08-29", ()),
    ("yg-2025-04", "基层医疗卫生服务能力提升情况", ("u04", "u06"),
     "2025-10-13", "2025-10-24", ("u04",)),
)

LATE_NOTICE_TITLE = "我县推行重点项目“拿地即开工”审批新模式"
