package demo

import "github.com/tuoguan/tuoguan/internal/provider"

// The region tree above the county.
var (
	province = regionDef{"610000000000", "陕西省"}
	city     = regionDef{"610600000000", "延安市"}
	county   = regionDef{"610631000000", "黄龙县"}
)

type regionDef struct{ code, name string }

// townshipDef is a township of Huanglong County, a point near its seat and its villages in code order.
type townshipDef struct {
	code, name string
	lon, lat   float64
	villages   []string
}

// townships are the seven townships of Huanglong County and the villages the demo gives them.
var townships = []townshipDef{
	{"610631100000", "石堡镇", 109.84, 35.58, []string{"石堡村", "西坡村", "柳树湾村", "郝家塬村", "马家河村", "安头村", "双龙村", "南石堡村"}},
	{"610631101000", "白马滩镇", 109.99, 35.73, []string{"白马滩村", "圪崂村", "张家湾村", "北村", "寨子村", "榆树沟村", "上畛子村"}},
	{"610631102000", "瓦子街镇", 109.80, 35.45, []string{"瓦子街村", "南洼村", "方家塬村", "神道岭村", "杨家河村", "秦岭村", "土门村"}},
	{"610631106000", "界头庙镇", 109.70, 35.73, []string{"界头庙村", "东塬村", "太贤村", "柏山村", "大塬村", "郭家河村", "新庄村", "圣马村"}},
	{"610631107000", "三岔镇", 110.06, 35.55, []string{"三岔村", "孙家岭村", "店头村", "四龙村", "史家河村", "王家塬村", "黑水寺村", "七里塬村"}},
	{"610631205000", "圪台乡", 109.98, 35.85, []string{"圪台村", "尧门村", "阿党村", "杜家塬村", "寺庄村", "前庄村"}},
	{"610631206000", "崾崄乡", 109.65, 35.50, []string{"崾崄村", "庙台村", "刘家塬村", "坡头村", "红崖村", "石马村"}},
}

// Surnames, repeated roughly by how common they are on the Yan'an loess plateau.
var surnames = []string{
	"王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "刘", "杨", "杨", "高", "高", "马", "马",
	"冯", "郭", "郭", "赵", "薛", "郝", "郝", "白", "贺", "贺", "霍", "呼", "曹", "胡", "孙", "田", "史",
	"惠", "雷", "任", "路", "党", "屈", "宋", "贾", "韩", "吴", "周", "黄", "梁", "樊", "拓", "折", "崔",
}

var maleGiven = []string{
	"建军", "建国", "志强", "海军", "红军", "伟", "勇", "军", "斌", "涛", "磊", "军利", "小平", "新民", "卫东",
	"振华", "宏伟", "延军", "延平", "延生", "保平", "保全", "存良", "满仓", "拴柱", "治国", "文斌", "明亮",
	"红兵", "福生", "东升", "永刚", "永强", "志刚", "鹏", "浩", "建平", "建华", "国庆", "俊峰", "向东", "世荣",
	"增祥", "锁成", "毛娃", "春生", "乃文", "有福", "长江", "忠义",
}

var femaleGiven = []string{
	"桂兰", "秀英", "玉兰", "凤英", "淑芳", "红霞", "丽娟", "艳", "芳", "娟", "敏", "彩霞", "海燕", "春花",
	"小红", "金花", "翠萍", "爱萍", "巧玲", "亚妮", "改娥", "粉莲", "延梅", "银霞",
}

// Brands family farms like to be named by.
var farmBrands = []string{
	"鑫源", "丰泽", "绿源", "金穗", "沃土", "塬上", "盛丰", "嘉禾", "康源", "瑞丰", "润田", "青山", "红土",
	"兴旺", "永丰", "福源", "田园", "禾丰", "硕果", "惠丰", "众鑫", "顺达", "绿野", "黄土地", "山水", "翠岭",
	"秦丰", "牧歌", "麦香", "谷丰",
}

// Field names farmers use for their parcels.
var parcelNames = []string{
	"塬上地", "后沟地", "前沟地", "河滩地", "东坡地", "西坡地", "南塬地", "北塬地", "梁峁地", "阳坡地", "阴坡地",
	"沟台地", "庙后地", "路边地", "大块地", "长条地", "坝地", "川地", "崖畔地", "场畔地", "井边地", "台地",
	"洼地", "老庄基地", "渠畔地", "壕里地", "咀子地", "畔上地",
}

// The operation types a provider offers, by what it does.
var (
	opsFull     = []string{"ploughing", "sowing", "fertilising", "plant_protection", "harvesting", "straw", "transport"}
	opsFullDry  = []string{"ploughing", "sowing", "fertilising", "plant_protection", "harvesting", "straw", "transport", "drying"}
	opsTeam     = []string{"ploughing", "sowing", "harvesting", "straw", "transport"}
	opsFarmSvc  = []string{"ploughing", "sowing", "harvesting"}
	opsProtect  = []string{"plant_protection", "weeding", "fertilising"}
	opsDrone    = []string{"plant_protection"}
	opsHarvest  = []string{"harvesting", "straw", "transport"}
	opsPlantSow = []string{"ploughing", "sowing"}
)

// providerDef is a provider of the directory. township is an index into townships, -1 for the county.
type providerDef struct {
	key       string // the demo account's name, for the one provider that has it
	name      string
	kind      string
	township  int
	ops       []string
	machinery []provider.Machine
	weight    float64 // how much work it wins, relative to its neighbours
}

func machines(pairs ...any) []provider.Machine {
	ms := make([]provider.Machine, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ms = append(ms, provider.Machine{Type: pairs[i].(string), Count: pairs[i+1].(int)})
	}
	return ms
}

// providers is the county's provider directory: forty cooperatives, companies, family farms, machinery teams
// and individuals.
var providers = []providerDef{
	{"", "黄龙县绿野农业服务有限公司", "company", -1, opsFullDry, machines("拖拉机", 12, "深松整地机", 6, "玉米免耕播种机", 8, "植保无人机", 10, "玉米收获机", 6, "谷物烘干机", 2, "运输车", 5), 1.4},
	{"", "黄龙县金穗农业科技有限公司", "company", -1, opsFull, machines("拖拉机", 8, "旋耕机", 6, "玉米播种机", 6, "植保无人机", 6, "玉米收获机", 4), 1.1},
	{"", "黄龙县惠农农机专业合作社联合社", "cooperative", -1, opsFull, machines("拖拉机", 15, "翻转犁", 8, "玉米播种机", 10, "自走式喷杆喷雾机", 4, "植保无人机", 8, "玉米收获机", 7, "秸秆粉碎还田机", 6), 1.3},
	{"", "延安沃野现代农业服务有限公司", "company", -1, opsFullDry, machines("拖拉机", 10, "深松整地机", 4, "精量播种机", 6, "植保无人机", 12, "谷物联合收割机", 4, "玉米收获机", 4, "谷物烘干机", 1), 0.9},
	{"", "黄龙县飞鹰植保服务专业合作社", "cooperative", -1, opsProtect, machines("植保无人机", 14, "自走式喷杆喷雾机", 3, "中耕追肥机", 4), 1.0},
	{"", "黄龙县天翼无人机植保服务队", "machinery_team", -1, opsDrone, machines("植保无人机", 9), 0.8},
	{"", "黄龙县秦川农机作业服务队", "machinery_team", -1, opsHarvest, machines("玉米收获机", 5, "谷物联合收割机", 3, "秸秆粉碎还田机", 4, "运输车", 6), 0.8},

	{"fengshou", "黄龙县丰收农机专业合作社", "cooperative", 0, opsFullDry, machines("拖拉机", 18, "深松整地机", 6, "翻转犁", 8, "玉米免耕播种机", 12, "植保无人机", 10, "玉米收获机", 8, "谷物联合收割机", 3, "秸秆粉碎还田机", 6, "谷物烘干机", 1), 2.2},
	{"", "石堡镇兴农农机服务队", "machinery_team", 0, opsTeam, machines("拖拉机", 6, "旋耕机", 4, "玉米播种机", 4, "玉米收获机", 3), 1.0},
	{"", "黄龙县石堡镇瑞丰家庭农场", "family_farm", 0, opsFarmSvc, machines("拖拉机", 3, "玉米播种机", 2, "玉米收获机", 1), 0.6},
	{"", "郝建军", "individual", 0, opsDrone, machines("植保无人机", 2), 0.5},
	{"", "黄龙县石堡镇聚源农机专业合作社", "cooperative", 0, opsFull, machines("拖拉机", 9, "旋耕机", 5, "玉米播种机", 6, "植保无人机", 4, "玉米收获机", 4, "秸秆粉碎还田机", 3), 1.1},

	{"", "黄龙县白马滩镇众鑫农机专业合作社", "cooperative", 1, opsFull, machines("拖拉机", 10, "深松整地机", 3, "玉米播种机", 6, "植保无人机", 5, "玉米收获机", 4, "秸秆粉碎还田机", 3), 1.5},
	{"", "白马滩镇顺达农机作业队", "machinery_team", 1, opsTeam, machines("拖拉机", 5, "玉米播种机", 3, "玉米收获机", 2, "运输车", 2), 0.9},
	{"", "黄龙县白马滩镇绿源家庭农场", "family_farm", 1, opsFarmSvc, machines("拖拉机", 2, "玉米播种机", 1, "玉米收获机", 1), 0.5},
	{"", "贺海军", "individual", 1, opsHarvest, machines("玉米收获机", 1, "运输车", 1), 0.5},
	{"", "黄龙县白马滩镇科丰农业服务有限公司", "company", 1, opsFull, machines("拖拉机", 7, "旋耕机", 4, "玉米播种机", 4, "植保无人机", 6, "玉米收获机", 3), 1.0},

	{"", "黄龙县瓦子街镇宏达农机专业合作社", "cooperative", 2, opsFull, machines("拖拉机", 11, "深松整地机", 4, "玉米播种机", 6, "植保无人机", 4, "玉米收获机", 5), 1.5},
	{"", "瓦子街镇金土地农机服务队", "machinery_team", 2, opsTeam, machines("拖拉机", 6, "玉米播种机", 3, "玉米收获机", 2, "秸秆粉碎还田机", 2), 0.9},
	{"", "李延平", "individual", 2, opsPlantSow, machines("拖拉机", 1, "玉米播种机", 1), 0.5},
	{"", "黄龙县瓦子街镇沃丰家庭农场", "family_farm", 2, opsFarmSvc, machines("拖拉机", 3, "玉米播种机", 2, "玉米收获机", 1), 0.6},

	{"", "黄龙县界头庙镇惠民农机专业合作社", "cooperative", 3, opsFull, machines("拖拉机", 12, "翻转犁", 5, "玉米播种机", 7, "植保无人机", 6, "玉米收获机", 5, "秸秆粉碎还田机", 4), 1.5},
	{"", "黄龙县界头庙镇丰源家庭农场", "family_farm", 3, opsFarmSvc, machines("拖拉机", 2, "玉米播种机", 2, "玉米收获机", 1), 0.6},
	{"", "界头庙镇联创农机作业服务队", "machinery_team", 3, opsTeam, machines("拖拉机", 5, "玉米播种机", 3, "玉米收获机", 3, "运输车", 2), 0.9},
	{"", "王志强", "individual", 3, opsDrone, machines("植保无人机", 2), 0.5},
	{"", "黄龙县塬上人家农业服务有限公司", "company", 3, opsFull, machines("拖拉机", 8, "旋耕机", 4, "玉米播种机", 5, "植保无人机", 5, "玉米收获机", 3, "谷物联合收割机", 2), 1.0},

	{"", "黄龙县三岔镇鑫农农机专业合作社", "cooperative", 4, opsFull, machines("拖拉机", 10, "深松整地机", 3, "玉米播种机", 6, "植保无人机", 5, "玉米收获机", 4), 1.5},
	{"", "三岔镇安泰农机服务队", "machinery_team", 4, opsTeam, machines("拖拉机", 4, "玉米播种机", 3, "玉米收获机", 2), 0.9},
	{"", "黄龙县三岔镇永丰家庭农场", "family_farm", 4, opsFarmSvc, machines("拖拉机", 2, "玉米播种机", 1, "玉米收获机", 1), 0.5},
	{"", "杨保平", "individual", 4, opsHarvest, machines("玉米收获机", 1), 0.5},
	{"", "史文斌", "individual", 4, opsPlantSow, machines("拖拉机", 1, "玉米播种机", 1), 0.4},

	{"", "黄龙县圪台乡富民农机专业合作社", "cooperative", 5, opsFull, machines("拖拉机", 8, "旋耕机", 4, "玉米播种机", 5, "植保无人机", 3, "玉米收获机", 3), 1.5},
	{"", "圪台乡利民农机作业队", "machinery_team", 5, opsTeam, machines("拖拉机", 4, "玉米播种机", 2, "玉米收获机", 2), 0.8},
	{"", "刘红军", "individual", 5, opsDrone, machines("植保无人机", 1), 0.4},
	{"", "黄龙县圪台乡绿丰植保专业合作社", "cooperative", 5, opsProtect, machines("植保无人机", 6, "中耕追肥机", 2), 0.8},

	{"", "黄龙县崾崄乡田丰农机专业合作社", "cooperative", 6, opsFull, machines("拖拉机", 8, "深松整地机", 2, "玉米播种机", 5, "植保无人机", 4, "玉米收获机", 3, "秸秆粉碎还田机", 2), 1.5},
	{"", "黄龙县崾崄乡康源家庭农场", "family_farm", 6, opsFarmSvc, machines("拖拉机", 2, "玉米播种机", 1, "玉米收获机", 1), 0.5},
	{"", "冯振华", "individual", 6, opsPlantSow, machines("拖拉机", 1, "旋耕机", 1), 0.4},
	{"", "黄龙县崾崄乡禾丰农业服务有限公司", "company", 6, opsFull, machines("拖拉机", 6, "旋耕机", 3, "玉米播种机", 4, "植保无人机", 4, "玉米收获机", 2), 0.9},
	{"", "崾崄乡振兴农机服务队", "machinery_team", 6, opsTeam, machines("拖拉机", 4, "玉米播种机", 2, "玉米收获机", 2, "秸秆粉碎还田机", 1), 0.8},
}

// suspendedProvider is the provider the bureau suspends at the end of the load (its licence lapsed); its
// earlier contracts are all closed by then.
const suspendedProvider = "刘红军"

// Reasons collectives give when they dispute a logged operation.
var disputeReasons = []string{
	"作业面积与农户核实不符，实测面积偏小",
	"播种深度不够，出苗不齐，需服务主体复核",
	"植保作业有漏喷，农户反映地头未喷到",
	"收获损失率偏高，农户要求核减",
	"作业日期与农户记录不一致",
	"翻耕深度不足25厘米，未达合同约定",
}

// Reasons contracts end early.
var terminationReasons = []string{
	"农户将承包地流转给本村家庭农场，经村集体协调双方解除托管",
	"服务主体主要农机故障无法按期作业，经村集体协调解除合同",
	"地块列入乡村道路建设用地，剩余作业终止",
	"农户外出务工，承包地交由亲属耕种，协商解除托管",
}

// Notes providers sometimes leave on an operation.
var opNotes = []string{
	"雨后补作业",
	"地块坡度大，地头人工辅助",
	"农户在场确认",
	"按农户要求加深翻耕",
	"早晨露水大，推迟至午后作业",
	"地块狭长，转弯次数多",
}
