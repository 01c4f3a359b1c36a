"""The half-monthly maintenance checklist of an elevator (TSG T5002 电梯维护保养规则, the
half-monthly items of its annex A), as the items a maintenance record names.

A record lists the items done by their codes; the names are for people. Items are grouped as a
technician walks the elevator: machine room, car, doors, shaft and pit.
"""

from __future__ import annotations

#: Item code → (Chinese name, English name).
CHECKLIST: dict[str, tuple[str, str]] = {
    "machine_room": ("机房、滑轮间环境", "Machine room and pulley room"),
    "emergency_operation": ("手动紧急操作装置", "Manual emergency operation"),
    "traction_machine": ("驱动主机", "Drive machine"),
    "brake": ("制动器各销轴部位及间隙", "Brake pins and clearance"),
    "encoder": ("编码器", "Encoder"),
    "speed_governor": ("限速器各销轴部位", "Overspeed governor pins"),
    "landing_calls": ("层站召唤、层楼显示", "Landing calls and floor display"),
    "car_lighting": ("轿厢照明、风扇、应急照明", "Car lighting, fan and emergency light"),
    "car_stop_switch": ("轿厢检修开关、停止装置", "Car inspection switch and stop device"),
    "alarm_intercom": ("轿内报警装置、对讲系统", "Car alarm and intercom"),
    "car_controls": ("轿内显示、指令按钮", "Car display and buttons"),
    "door_protection": ("轿门防撞击保护装置", "Car door reopening device"),
    "car_door_lock": ("轿门门锁电气触点", "Car door lock contacts"),
    "car_door_operation": ("轿门运行", "Car door operation"),
    "levelling": ("轿厢平层准确度", "Levelling accuracy"),
    "landing_doors": ("层门地坎、自动关闭装置、门锁", "Landing door sills, closers and locks"),
    "car_top": ("轿顶及轿顶检修开关、停止装置", "Car top, its inspection switch and stop"),
    "pit": ("底坑环境、底坑停止装置", "Pit and its stop switch"),
    "buffers": ("缓冲器", "Buffers"),
}
