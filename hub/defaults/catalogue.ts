// The default configuration loaded on first start: the fields and procedures
// of a provincial police one-stop office (../shared/domain/vietnam.md), each
// field with its own block of four-digit numbers (Căn cước 1001–1999, ...),
// the priority groups of Decree 107/2021 plus common local additions, and a
// plausible set of eight counters.

import type { Catalogue, Counter, QueueSettings } from '../queue/types.js';

const FIELDS: { id: string; name: string; procedures: string[] }[] = [
  {
    id: 'can-cuoc',
    name: 'Căn cước',
    procedures: [
      'Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên',
      'Cấp đổi thẻ căn cước',
      'Cấp lại thẻ căn cước',
      'Cấp xác nhận số chứng minh nhân dân 09 số, số định danh cá nhân',
    ],
  },
  {
    id: 'cu-tru',
    name: 'Cư trú',
    procedures: ['Đăng ký thường trú', 'Đăng ký tạm trú', 'Khai báo tạm vắng', 'Thông báo lưu trú'],
  },
  {
    id: 'xuat-nhap-canh',
    name: 'Quản lý xuất nhập cảnh',
    procedures: [
      'Cấp hộ chiếu phổ thông ở trong nước',
      'Trình báo mất hộ chiếu phổ thông',
      'Khôi phục giá trị sử dụng hộ chiếu phổ thông',
      'Cấp giấy thông hành biên giới Việt Nam – Lào',
      'Gia hạn tạm trú cho người nước ngoài',
    ],
  },
  { id: 'ly-lich-tu-phap', name: 'Lý lịch tư pháp', procedures: ['Cấp Phiếu lý lịch tư pháp'] },
  {
    id: 'dang-ky-xe',
    name: 'Đăng ký, quản lý phương tiện giao thông',
    procedures: [
      'Đăng ký, cấp biển số xe lần đầu',
      'Đổi giấy chứng nhận đăng ký xe, biển số xe',
      'Đăng ký xe tạm thời',
      'Thu hồi giấy chứng nhận đăng ký xe, biển số xe',
    ],
  },
  {
    id: 'giay-phep-lai-xe',
    name: 'Giấy phép lái xe',
    procedures: ['Cấp đổi giấy phép lái xe', 'Cấp lại giấy phép lái xe', 'Cấp giấy phép lái xe quốc tế'],
  },
  {
    id: 'pccc',
    name: 'Phòng cháy, chữa cháy và cứu nạn, cứu hộ',
    procedures: [
      'Thẩm định thiết kế về phòng cháy và chữa cháy',
      'Kiểm tra công tác nghiệm thu về phòng cháy và chữa cháy',
      'Cấp lại giấy chứng nhận huấn luyện nghiệp vụ phòng cháy và chữa cháy',
    ],
  },
  {
    id: 'an-ninh-trat-tu',
    name: 'Ngành nghề kinh doanh có điều kiện về an ninh, trật tự',
    procedures: [
      'Cấp giấy chứng nhận đủ điều kiện về an ninh, trật tự',
      'Cấp đổi giấy chứng nhận',
      'Cấp lại giấy chứng nhận',
    ],
  },
];

export function defaultCatalogue(): Catalogue {
  return {
    fields: FIELDS.map((f, i) => ({
      id: f.id,
      name: f.name,
      numbering: { prefix: '', start: (i + 1) * 1000 + 1, end: (i + 1) * 1000 + 999, wrap: true },
      position: i + 1,
      active: true,
    })),
    procedures: FIELDS.flatMap((f) =>
      f.procedures.map((name, j) => ({
        id: `${f.id}-${String(j + 1).padStart(2, '0')}`,
        fieldId: f.id,
        name,
        position: j + 1,
        active: true,
      })),
    ),
    priorityCategories: [
      { id: 'nguoi-cao-tuoi', name: 'Người cao tuổi (từ 60 tuổi)' },
      { id: 'phu-nu-mang-thai', name: 'Phụ nữ mang thai' },
      { id: 'nguoi-khuyet-tat', name: 'Người khuyết tật' },
      { id: 'nguoi-co-cong', name: 'Người có công với cách mạng' },
      { id: 'con-nho', name: 'Người đưa con nhỏ dưới 36 tháng tuổi' },
    ],
  };
}

/** Counter number → the fields it serves (every procedure of them, weight 1). */
const COUNTERS: [number, string[]][] = [
  [1, ['can-cuoc']],
  [2, ['can-cuoc']],
  [3, ['cu-tru']],
  [4, ['xuat-nhap-canh']],
  [5, ['xuat-nhap-canh', 'ly-lich-tu-phap']],
  [6, ['dang-ky-xe']],
  [7, ['giay-phep-lai-xe']],
  [8, ['pccc', 'an-ninh-trat-tu', 'cu-tru']],
];

export function defaultCounters(catalogue: Catalogue): Counter[] {
  return COUNTERS.map(([id, fieldIds]) => ({
    id,
    name: `Quầy ${id}`,
    state: 'open',
    officer: null,
    serves: catalogue.procedures
      .filter((p) => fieldIds.includes(p.fieldId))
      .map((p) => ({ procedureId: p.id, weight: 1 })),
    currentTicketId: null,
    consecutivePriority: 0,
  }));
}

export const defaultQueueSettings: QueueSettings = {
  priorityCap: 2,
  defaultServiceSeconds: 300,
  recentServiceSamples: 20,
};
