// Sample guide cards for the common procedures of the default catalogue
// (hub/defaults/catalogue.ts), keyed by procedure id and loaded with the
// catalogue on first start (and once into an existing store whose procedure
// of that id still has its default name). Each is marked as a SAMPLE: the
// office checks it against the texts in force, corrects it and records the
// day it checked (the administration page, "Hướng dẫn thủ tục"); until then
// the guide screen says the content is for reference.
//
// The online links go to the national portal's front page: the portal's own
// page for each procedure (dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=…)
// is for the office to look up and paste when it checks the card.

import type { GuideCard } from '../guide/card.js';

const PORTAL = 'https://dichvucong.gov.vn/';

type Doc = [name: string, originals: number, copies: number, note?: string];

interface Sample {
  /** The procedure's name in the default catalogue: a store where the id means something else gets no sample. */
  name: string;
  documents: Doc[];
  fee: string;
  timeLimit: string;
  legalBasis: string[];
  notes?: string;
  keywords?: string[];
}

const RESIDENCE_LAW = [
  'Luật Cư trú số 68/2020/QH14',
  'Nghị định số 154/2024/NĐ-CP quy định chi tiết một số điều của Luật Cư trú',
  'Thông tư số 55/2021/TT-BCA (sửa đổi, bổ sung bởi Thông tư số 66/2023/TT-BCA)',
  'Thông tư số 75/2022/TT-BTC quy định lệ phí đăng ký cư trú',
];
const ID_LAW = [
  'Luật Căn cước số 26/2023/QH15',
  'Nghị định số 70/2024/NĐ-CP quy định chi tiết một số điều của Luật Căn cước',
  'Thông tư số 17/2024/TT-BCA',
  'Thông tư số 73/2024/TT-BTC quy định lệ phí cấp thẻ căn cước',
];
const VEHICLE_LAW = [
  'Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15',
  'Thông tư số 79/2024/TT-BCA quy định về cấp, thu hồi chứng nhận đăng ký xe, biển số xe',
  'Thông tư số 60/2023/TT-BTC quy định lệ phí đăng ký, cấp biển phương tiện giao thông',
];
const LICENCE_LAW = [
  'Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15',
  'Thông tư của Bộ Công an quy định về sát hạch, cấp giấy phép lái xe (cơ quan ghi số hiệu văn bản hiện hành)',
  'Thông tư số 37/2023/TT-BTC quy định lệ phí cấp giấy phép lái xe',
];
const BIOMETRICS =
  'Công dân đến trực tiếp để cán bộ thu nhận ảnh khuôn mặt, vân tay và mống mắt; thông tin lấy từ Cơ sở dữ liệu quốc gia về dân cư.';

const SAMPLES: Record<string, Sample> = {
  'can-cuoc-01': {
    name: 'Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên',
    documents: [
      [
        'Tờ khai thu nhận thông tin căn cước (mẫu CC01)',
        1,
        0,
        'chỉ khi thông tin trong Cơ sở dữ liệu quốc gia về dân cư cần điều chỉnh',
      ],
    ],
    fee: 'Miễn lệ phí khi cấp thẻ lần đầu.',
    timeLimit: 'Không quá 07 ngày làm việc kể từ ngày nhận đủ hồ sơ.',
    legalBasis: ID_LAW,
    notes: BIOMETRICS,
    keywords: ['cccd', 'căn cước công dân', 'chứng minh nhân dân', 'cmnd', 'làm căn cước'],
  },
  'can-cuoc-02': {
    name: 'Cấp đổi thẻ căn cước',
    documents: [
      ['Thẻ căn cước hoặc thẻ căn cước công dân đang dùng', 1, 0, 'nộp lại khi nhận thẻ mới'],
      [
        'Giấy tờ chứng minh thông tin thay đổi',
        0,
        0,
        'xuất trình bản chính, nếu đổi thẻ vì thay đổi thông tin',
      ],
    ],
    fee: '30.000 đồng/thẻ; miễn cho trường hợp đổi theo độ tuổi quy định hoặc do lỗi của cơ quan cấp.',
    timeLimit: 'Không quá 07 ngày làm việc kể từ ngày nhận đủ hồ sơ.',
    legalBasis: ID_LAW,
    notes: BIOMETRICS,
    keywords: ['cccd', 'đổi căn cước', 'đổi cmnd', 'hết hạn'],
  },
  'can-cuoc-03': {
    name: 'Cấp lại thẻ căn cước',
    documents: [],
    fee: '50.000 đồng/thẻ.',
    timeLimit: 'Không quá 07 ngày làm việc kể từ ngày nhận đủ hồ sơ.',
    legalBasis: ID_LAW,
    notes: `Cấp lại khi bị mất hoặc hư hỏng thẻ: khai báo lý do tại quầy. ${BIOMETRICS}`,
    keywords: ['cccd', 'mất căn cước', 'mất cmnd', 'làm lại'],
  },
  'cu-tru-01': {
    name: 'Đăng ký thường trú',
    documents: [
      ['Tờ khai thay đổi thông tin cư trú (mẫu CT01)', 1, 0],
      ['Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp', 0, 1, 'hoặc xuất trình bản chính để đối chiếu'],
      [
        'Ý kiến đồng ý của chủ hộ, chủ sở hữu chỗ ở',
        0,
        0,
        'ghi ngay trên tờ khai CT01, khi đăng ký vào chỗ ở của người khác',
      ],
    ],
    fee: '20.000 đồng/lần đăng ký (nộp trực tuyến: 10.000 đồng).',
    timeLimit: '07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: RESIDENCE_LAW,
    keywords: ['hộ khẩu', 'nhập khẩu', 'thường trú'],
  },
  'cu-tru-02': {
    name: 'Đăng ký tạm trú',
    documents: [
      ['Tờ khai thay đổi thông tin cư trú (mẫu CT01)', 1, 0],
      ['Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp', 0, 1, 'hoặc xuất trình bản chính để đối chiếu'],
    ],
    fee: '15.000 đồng/lần đăng ký (nộp trực tuyến: 7.000 đồng).',
    timeLimit: '03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: RESIDENCE_LAW,
    keywords: ['tạm trú', 'thuê trọ', 'nhà trọ'],
  },
  'xuat-nhap-canh-01': {
    name: 'Cấp hộ chiếu phổ thông ở trong nước',
    documents: [
      ['Tờ khai đề nghị cấp hộ chiếu phổ thông (mẫu TK01)', 1, 0],
      ['Hộ chiếu phổ thông cấp lần gần nhất', 1, 0, 'nếu đã được cấp và còn giữ'],
      ['Thẻ căn cước', 0, 0, 'xuất trình bản chính'],
    ],
    fee: '200.000 đồng/hộ chiếu; cấp lại do bị mất hoặc hư hỏng: 400.000 đồng.',
    timeLimit: '08 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: [
      'Luật Xuất cảnh, nhập cảnh của công dân Việt Nam số 49/2019/QH14 (sửa đổi, bổ sung năm 2023)',
      'Thông tư số 31/2023/TT-BCA',
      'Thông tư số 25/2021/TT-BTC quy định lệ phí trong lĩnh vực xuất nhập cảnh',
    ],
    notes:
      'Ảnh chân dung được chụp tại nơi nộp hồ sơ. Người dưới 14 tuổi đi cùng cha, mẹ hoặc người giám hộ.',
    keywords: ['hộ chiếu', 'passport', 'xuất cảnh'],
  },
  'ly-lich-tu-phap-01': {
    name: 'Cấp Phiếu lý lịch tư pháp',
    documents: [
      ['Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (theo mẫu)', 1, 0],
      ['Thẻ căn cước hoặc hộ chiếu', 0, 1, 'hoặc xuất trình bản chính'],
      ['Văn bản uỷ quyền', 1, 0, 'khi uỷ quyền người khác làm thủ tục (không áp dụng cho Phiếu số 2)'],
    ],
    fee: '200.000 đồng/lần; sinh viên, người có công với cách mạng, thân nhân liệt sĩ: 100.000 đồng.',
    timeLimit: 'Không quá 10 ngày kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: [
      'Luật Lý lịch tư pháp số 28/2009/QH12',
      'Thông tư số 244/2016/TT-BTC quy định phí cung cấp thông tin lý lịch tư pháp',
    ],
    keywords: ['lý lịch', 'lltp', 'tiền án', 'tư pháp'],
  },
  'dang-ky-xe-01': {
    name: 'Đăng ký, cấp biển số xe lần đầu',
    documents: [
      ['Giấy khai đăng ký xe', 1, 0, 'kê khai trên Cổng Dịch vụ công, mang mã hồ sơ đến quầy'],
      ['Chứng từ nguồn gốc xe', 1, 0, 'phiếu kiểm tra chất lượng xuất xưởng hoặc tờ khai hải quan'],
      ['Chứng từ chuyển quyền sở hữu xe (hoá đơn)', 1, 0],
      ['Chứng từ nộp lệ phí trước bạ', 0, 0, 'cơ quan tra cứu dữ liệu điện tử'],
    ],
    fee: 'Theo Thông tư số 60/2023/TT-BTC, tuỳ loại xe và khu vực đăng ký.',
    timeLimit: 'Cấp biển số ngay khi nhận đủ hồ sơ hợp lệ; chứng nhận đăng ký xe trong 02 ngày làm việc.',
    legalBasis: VEHICLE_LAW,
    notes: 'Mang xe đến để cán bộ kiểm tra số khung, số máy.',
    keywords: ['biển số', 'cà vẹt', 'cavet', 'đăng ký xe máy', 'ô tô'],
  },
  'dang-ky-xe-02': {
    name: 'Đổi giấy chứng nhận đăng ký xe, biển số xe',
    documents: [
      ['Giấy khai đăng ký xe', 1, 0],
      ['Giấy chứng nhận đăng ký xe hoặc biển số xe cần đổi', 1, 0],
    ],
    fee: 'Theo Thông tư số 60/2023/TT-BTC.',
    timeLimit: '02 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: VEHICLE_LAW,
    keywords: ['cà vẹt', 'cavet', 'biển số', 'đổi biển'],
  },
  'giay-phep-lai-xe-01': {
    name: 'Cấp đổi giấy phép lái xe',
    documents: [
      ['Đơn đề nghị đổi giấy phép lái xe (theo mẫu)', 1, 0],
      ['Giấy khám sức khỏe của người lái xe', 1, 0, 'do cơ sở y tế có thẩm quyền cấp'],
      ['Giấy phép lái xe đang dùng', 0, 0, 'xuất trình bản chính'],
    ],
    fee: '135.000 đồng/lần cấp.',
    timeLimit: 'Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: LICENCE_LAW,
    keywords: ['bằng lái', 'gplx', 'đổi bằng'],
  },
  'giay-phep-lai-xe-02': {
    name: 'Cấp lại giấy phép lái xe',
    documents: [
      ['Đơn đề nghị cấp lại giấy phép lái xe (theo mẫu)', 1, 0],
      ['Giấy khám sức khỏe của người lái xe', 1, 0, 'do cơ sở y tế có thẩm quyền cấp'],
    ],
    fee: '135.000 đồng/lần cấp.',
    timeLimit: 'Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: LICENCE_LAW,
    keywords: ['bằng lái', 'gplx', 'mất bằng'],
  },
  'giay-phep-lai-xe-03': {
    name: 'Cấp giấy phép lái xe quốc tế',
    documents: [
      ['Tờ khai đề nghị cấp giấy phép lái xe quốc tế (theo mẫu)', 1, 0],
      ['Giấy phép lái xe quốc gia còn thời hạn', 0, 0, 'xuất trình bản chính'],
      ['Hộ chiếu hoặc thẻ căn cước', 0, 0, 'xuất trình bản chính'],
    ],
    fee: '135.000 đồng/lần cấp.',
    timeLimit: 'Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.',
    legalBasis: LICENCE_LAW,
    keywords: ['bằng lái quốc tế', 'idp', 'gplx quốc tế'],
  },
};

/** procedureId → the sample card and the default name it belongs to. */
export function sampleGuideCards(): Map<string, { name: string; card: GuideCard }> {
  return new Map(
    Object.entries(SAMPLES).map(([id, s]) => [
      id,
      {
        name: s.name,
        card: {
          documents: s.documents.map(([name, originals, copies, note]) => ({
            name,
            originals,
            copies,
            note: note ?? '',
          })),
          fee: s.fee,
          timeLimit: s.timeLimit,
          legalBasis: s.legalBasis,
          onlineUrl: PORTAL,
          notes: s.notes ?? '',
          keywords: s.keywords ?? [],
        },
      },
    ]),
  );
}
