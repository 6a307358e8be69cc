// The default configuration loaded on first start only (an existing store
// is never changed behind its administrator's back; POST
// /api/admin/catalogue/defaults adds what is missing when asked): the ten
// fields and their common procedures of a provincial police one-stop office
// (docs/domain.md, Fields and procedures), each field with its own block of
// four-digit numbers (Căn cước 1001–1999, …; the two small fields share the
// 9000s), the priority groups of Decree 107/2021 plus common local additions
// (docs/domain.md, Priority), and eight counters, closed until an officer
// takes one.

import type { Catalogue, Counter, QueueSettings } from '../queue/types.js';

const FIELDS: { id: string; name: string; procedures: string[]; numbers?: [number, number] }[] = [
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
      'Cấp đổi giấy chứng nhận đủ điều kiện về an ninh, trật tự',
      'Cấp lại giấy chứng nhận đủ điều kiện về an ninh, trật tự',
    ],
  },
  {
    id: 'con-dau',
    name: 'Con dấu',
    numbers: [9001, 9499],
    procedures: [
      'Đăng ký mẫu con dấu mới',
      'Đăng ký lại mẫu con dấu',
      'Đăng ký thêm con dấu',
      'Đăng ký dấu nổi, dấu thu nhỏ, dấu xi',
      'Đổi, cấp lại giấy chứng nhận đăng ký mẫu con dấu',
    ],
  },
  {
    id: 'vu-khi',
    name: 'Vũ khí, vật liệu nổ, công cụ hỗ trợ',
    numbers: [9501, 9999],
    procedures: [
      'Cấp giấy phép sử dụng công cụ hỗ trợ',
      'Cấp lại giấy phép sử dụng công cụ hỗ trợ',
      'Cấp giấy phép vận chuyển công cụ hỗ trợ',
      'Cấp giấy phép vận chuyển vật liệu nổ công nghiệp',
    ],
  },
];

/** Names earlier versions loaded for these procedures; the defaults endpoint may correct them. */
export const FORMER_DEFAULT_NAMES: Record<string, string> = {
  'an-ninh-trat-tu-02': 'Cấp đổi giấy chứng nhận',
  'an-ninh-trat-tu-03': 'Cấp lại giấy chứng nhận',
};

export function defaultCatalogue(): Catalogue {
  return {
    fields: FIELDS.map((f, i) => ({
      id: f.id,
      name: f.name,
      numbering: {
        prefix: '',
        start: f.numbers?.[0] ?? (i + 1) * 1000 + 1,
        end: f.numbers?.[1] ?? (i + 1) * 1000 + 999,
        wrap: true,
      },
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
  [8, ['pccc', 'an-ninh-trat-tu', 'con-dau', 'vu-khi', 'cu-tru']],
];

/** Closed: a counter opens when an officer takes it (hub/queue/counters.ts). */
export function defaultCounters(catalogue: Catalogue): Counter[] {
  return COUNTERS.map(([id, fieldIds]) => ({
    id,
    name: `Quầy ${id}`,
    state: 'closed',
    officer: null,
    serves: catalogue.procedures
      .filter((p) => fieldIds.includes(p.fieldId))
      .map((p) => ({ procedureId: p.id, weight: 1 })),
    currentTicketId: null,
    consecutivePriority: 0,
    freeSince: null,
  }));
}

export const defaultQueueSettings: QueueSettings = {
  priorityCap: 2,
  defaultServiceSeconds: 300,
  recentServiceSamples: 20,
};
